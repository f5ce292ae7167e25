extension Sequence {
    /// The elements by a key that is unique among them (a later duplicate
    /// replaces an earlier one).
    public func keyed<Key: Hashable>(by key: (Element) throws -> Key) rethrows -> [Key: Element] {
        var result: [Key: Element] = [:]
        for element in self { result[try key(element)] = element }
        return result
    }
}
