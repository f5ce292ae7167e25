import Foundation

/// UUIDs whose first 48 bits are the creation time in milliseconds
/// (RFC 9562 version 7). Sorting by id then sorts by creation time on both
/// SQLite (blob compare) and PostgreSQL (uuid compare), which is what keeps
/// cursor pagination simple: the cursor is the last id seen.
public enum TimeOrderedID {
    public static func make(at date: Date, random: inout some RandomNumberGenerator) -> UUID {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - i))) }
        for i in 6..<16 { bytes[i] = UInt8.random(in: 0...255, using: &random) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }

    public static func make(at date: Date) -> UUID {
        var generator = SystemRandomNumberGenerator()
        return make(at: date, random: &generator)
    }

    /// The creation instant encoded in a version-7 id.
    public static func date(of id: UUID) -> Date {
        let u = id.uuid
        let bytes = [u.0, u.1, u.2, u.3, u.4, u.5]
        let millis = bytes.reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        return Date(timeIntervalSince1970: Double(millis) / 1000)
    }
}
