import Foundation

/// UUIDs whose first 48 bits are the creation time in milliseconds
/// (RFC 9562 version 7). Sorting by id then sorts by creation time on both
/// SQLite (blob compare) and PostgreSQL (uuid compare), which is what keeps
/// cursor pagination simple: the cursor is the last id seen.
public enum TimeOrderedID {
    public static func make(at date: Date, random: inout some RandomNumberGenerator) -> UUID {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        // Two draws of 64 bits, not ten of one byte: the system generator
        // is a system call each time, and a million fans make a million ids.
        let high = random.next()
        let low = random.next()
        func byte(_ value: UInt64, _ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: value >> (8 * index)) }
        func time(_ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: millis >> (8 * (5 - index))) }
        return UUID(
            uuid: (
                time(0), time(1), time(2), time(3), time(4), time(5), (byte(high, 0) & 0x0F) | 0x70, byte(high, 1),
                (byte(high, 2) & 0x3F) | 0x80, byte(high, 3), byte(high, 4), byte(high, 5), byte(high, 6), byte(high, 7), byte(low, 0), byte(low, 1)
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
