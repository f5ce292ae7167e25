/// What an allocation costs on the heap, for charging each compiled
/// engine its size in `SharedEngines`.
///
/// Rules of glibc's allocator and Swift's collections on 64-bit Linux: a
/// block carries an 8-byte header and is rounded up to 16 bytes (32 at
/// least); an array's buffer starts with a 32-byte header; a dictionary
/// keeps keys and values in one block of power-of-two bucket arrays
/// filled to at most three quarters, with one bit per bucket; a string of up to 15 UTF-8
/// bytes lives inside the `String` value itself. `fanfare-bench lexicon`
/// compares the sum with the resident size the process actually grows by.
enum MemoryEstimate {
    /// One heap block holding `bytes`.
    static func block(_ bytes: Int) -> Int {
        guard bytes > 0 else { return 0 }
        return max(32, (bytes + 8 + 15) & ~15)
    }

    /// A class instance with `fields` bytes of stored properties.
    static func object(fields: Int) -> Int { block(16 + fields) }

    /// An array buffer with room for `count` elements of `stride` bytes.
    static func array(count: Int, stride: Int) -> Int { count == 0 ? 0 : block(32 + count * stride) }

    /// A native dictionary that has grown to hold `count` entries.
    static func dictionary(count: Int, keyStride: Int, valueStride: Int) -> Int {
        guard count > 0 else { return 0 }
        var buckets = 2
        while buckets * 3 / 4 < count { buckets *= 2 }
        // One allocation: header, occupancy bitmap, keys, values.
        return block(72 + (buckets + 63) / 64 * 8 + buckets * (keyStride + valueStride))
    }

    /// The heap a string needs beyond its 16-byte value: nothing for a
    /// small string, otherwise its native storage (32-byte header, the
    /// bytes and a terminating NUL).
    static func string(_ text: String) -> Int {
        let bytes = text.utf8.count
        return bytes <= 15 ? 0 : block(32 + bytes + 1)
    }
}
