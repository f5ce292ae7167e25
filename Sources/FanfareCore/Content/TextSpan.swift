/// A stretch of a text, given twice: in UTF-16 code units for the browser
/// (JavaScript strings) and in Unicode scalars for the API.
public struct TextSpan: Sendable, Equatable, Codable {
    public let utf16Start: Int
    public let utf16End: Int
    public let scalarStart: Int
    public let scalarEnd: Int

    public init(_ range: Range<String.Index>, in text: String) {
        utf16Start = text.utf16.distance(from: text.startIndex, to: range.lowerBound)
        utf16End = text.utf16.distance(from: text.startIndex, to: range.upperBound)
        scalarStart = text.unicodeScalars.distance(from: text.startIndex, to: range.lowerBound)
        scalarEnd = text.unicodeScalars.distance(from: text.startIndex, to: range.upperBound)
    }
}
