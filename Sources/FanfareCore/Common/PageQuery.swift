import Foundation

/// A validated `limit` / `cursor` pair for cursor pagination. Lists are
/// ordered newest first by their time-ordered id; the cursor is the last id
/// of the previous page, encoded so that clients treat it as opaque.
public struct PageQuery: Sendable, Equatable {
    public static let defaultLimit = 50
    public static let maxLimit = 200

    public let limit: Int
    public let after: UUID?

    public init(limit: Int = PageQuery.defaultLimit, after: UUID? = nil) {
        self.limit = limit
        self.after = after
    }

    public init(limit rawLimit: String?, cursor rawCursor: String?) throws(ValidationErrors) {
        var errors = ValidationErrors()
        var limit = Self.defaultLimit
        if let rawLimit {
            if let value = Int(rawLimit), (1...Self.maxLimit).contains(value) {
                limit = value
            } else {
                errors.add("limit", .wholeNumberBetween(min: 1, max: Self.maxLimit))
            }
        }
        var after: UUID?
        if let rawCursor, !rawCursor.isEmpty {
            if let id = Self.decode(cursor: rawCursor) {
                after = id
            } else {
                errors.add("cursor", .cursor)
            }
        }
        try errors.throwIfAny()
        self.init(limit: limit, after: after)
    }

    public static func encode(cursor id: UUID) -> String {
        Data(id.uuidString.lowercased().utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(cursor: String) -> UUID? {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        return UUID(uuidString: text)
    }

    /// Given one row more than the limit was fetched, the page and the cursor
    /// of the next one (nil on the last page).
    public func page<T>(_ rows: [T], id: (T) -> UUID) -> (items: [T], nextCursor: String?) {
        guard rows.count > limit else { return (rows, nil) }
        let items = Array(rows.prefix(limit))
        return (items, items.last.map { Self.encode(cursor: id($0)) })
    }
}
