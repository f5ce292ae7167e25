import Foundation

/// An Aho–Corasick automaton over folded text, built once and then only
/// read: any number of scans may share it from any thread.
///
/// The alphabet is the set of folded characters that occur in some
/// pattern, numbered from 1; every other character is symbol 0, which
/// ends any partial match. The root's transitions are a dense array (most
/// steps after a mismatch land there); every other transition lives in one
/// open-addressing hash table keyed by (state, symbol). A scan decodes
/// UTF-8 itself and folds each scalar with one table lookup (`units`), so
/// no `String`, `Character` or Foundation call sits on the hot path.
final class Automaton: @unchecked Sendable {
    static let skip: UInt32 = 0xFFFF_FFFF
    static let multiFlag: UInt32 = 0x8000_0000

    /// Per pattern: its length in symbols.
    let patternLength: [Int32]
    let stateCount: Int
    let symbolCount: Int
    let maxPatternLength: Int

    // Read-only after `init`; raw buffers keep bounds checks, reference
    // counting and exclusivity checks off the hot path.
    private let units: UnsafeMutableBufferPointer<UInt32>
    private let multiUnits: [[UInt32]]
    private let rootNext: UnsafeMutableBufferPointer<Int32>
    private let edgeKeys: UnsafeMutableBufferPointer<UInt64>
    private let edgeTargets: UnsafeMutableBufferPointer<Int32>
    private let edgeShift: UInt64
    private let edgeMask: Int
    private let fail: UnsafeMutableBufferPointer<Int32>
    /// The pattern ending exactly at a state, or -1.
    private let own: UnsafeMutableBufferPointer<Int32>
    /// The first state on the fail chain (itself included) with a pattern
    /// of its own, or -1.
    private let report: UnsafeMutableBufferPointer<Int32>
    private let symbolOf: [UInt32: UInt32]

    /// `patterns` are folded scalar sequences, none empty, no two equal.
    init(patterns: [[Unicode.Scalar]]) {
        var symbolOf: [UInt32: UInt32] = [:]
        var encoded: [[UInt32]] = []
        encoded.reserveCapacity(patterns.count)
        var totalSymbols = 0
        for pattern in patterns {
            encoded.append(
                pattern.map { scalar in
                    if let symbol = symbolOf[scalar.value] { return symbol }
                    let symbol = UInt32(symbolOf.count + 1)
                    symbolOf[scalar.value] = symbol
                    return symbol
                })
            totalSymbols += pattern.count
        }
        self.symbolOf = symbolOf
        symbolCount = symbolOf.count
        patternLength = encoded.map { Int32($0.count) }
        maxPatternLength = encoded.map(\.count).max() ?? 0

        // The trie. Node 0 is the root.
        let rootNext = UnsafeMutableBufferPointer<Int32>.allocate(capacity: symbolCount + 1)
        rootNext.initialize(repeating: 0)
        var bits: UInt64 = 4
        while (1 << bits) < max(16, totalSymbols * 2) { bits += 1 }
        let capacity = 1 << Int(bits)
        let edgeKeys = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: capacity)
        edgeKeys.initialize(repeating: 0)
        let edgeTargets = UnsafeMutableBufferPointer<Int32>.allocate(capacity: capacity)
        edgeTargets.initialize(repeating: -1)
        let shift = 64 - bits
        let mask = capacity - 1
        var parent: [Int32] = [0]
        var depth: [Int32] = [0]
        var inSymbol: [UInt32] = [0]
        var ownList: [Int32] = [-1]
        parent.reserveCapacity(totalSymbols + 1)
        for (index, pattern) in encoded.enumerated() {
            var state: Int32 = 0
            for symbol in pattern {
                if state == 0 {
                    let next = rootNext[Int(symbol)]
                    if next != 0 {
                        state = next
                        continue
                    }
                    let child = Int32(parent.count)
                    parent.append(0)
                    depth.append(1)
                    inSymbol.append(symbol)
                    ownList.append(-1)
                    rootNext[Int(symbol)] = child
                    state = child
                    continue
                }
                let key = UInt64(UInt32(state)) << 32 | UInt64(symbol)
                var slot = Int((key &* 0x9E37_79B9_7F4A_7C15) >> shift)
                while edgeKeys[slot] != 0, edgeKeys[slot] != key { slot = (slot + 1) & mask }
                if edgeKeys[slot] == key {
                    state = edgeTargets[slot]
                    continue
                }
                let child = Int32(parent.count)
                parent.append(state)
                depth.append(depth[Int(state)] + 1)
                inSymbol.append(symbol)
                ownList.append(-1)
                edgeKeys[slot] = key
                edgeTargets[slot] = child
                state = child
            }
            ownList[Int(state)] = Int32(index)
        }
        stateCount = parent.count
        self.rootNext = rootNext
        self.edgeKeys = edgeKeys
        self.edgeTargets = edgeTargets
        edgeShift = shift
        edgeMask = mask

        // Fail links and report links, shallow states first.
        let fail = UnsafeMutableBufferPointer<Int32>.allocate(capacity: stateCount)
        fail.initialize(repeating: 0)
        let report = UnsafeMutableBufferPointer<Int32>.allocate(capacity: stateCount)
        report.initialize(repeating: -1)
        let own = UnsafeMutableBufferPointer<Int32>.allocate(capacity: stateCount)
        _ = own.initialize(from: ownList)
        self.fail = fail
        self.report = report
        self.own = own
        var byDepth = [[Int32]](repeating: [], count: maxPatternLength + 1)
        for state in 1..<stateCount { byDepth[Int(depth[state])].append(Int32(state)) }

        // Per-engine folding table: planes 0 and 1 straight to symbols.
        let table = TextFolding.table
        let units = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: table.template.count)
        _ = units.initialize(from: table.template)
        for (scalar, symbol) in symbolOf {
            for source in table.sources[scalar] ?? [] { units[Int(source)] = symbol }
        }
        let multiUnits = table.multi.map { $0.map { symbolOf[$0.value] ?? 0 } }
        self.units = units
        self.multiUnits = multiUnits

        report[0] = -1
        for level in byDepth.dropFirst() {
            for state in level {
                let index = Int(state)
                let from = parent[index]
                fail[index] = from == 0 ? 0 : next(after: fail[Int(from)], symbol: inSymbol[index])
                report[index] = own[index] >= 0 ? state : report[Int(fail[index])]
            }
        }
    }

    deinit {
        units.deallocate()
        rootNext.deallocate()
        edgeKeys.deallocate()
        edgeTargets.deallocate()
        fail.deallocate()
        own.deallocate()
        report.deallocate()
    }

    /// Bytes held by the automaton and its folding table, as the
    /// allocator hands them out: each buffer with its allocator header and
    /// rounding, each array with its header, the symbol dictionary at its
    /// real bucket count. `fanfare-bench lexicon` checks the estimate
    /// against the process's resident size.
    var memoryBytes: Int {
        var total = MemoryEstimate.object(fields: 160)
        total += MemoryEstimate.block(units.count * 4) + MemoryEstimate.block(rootNext.count * 4)
        total += MemoryEstimate.block(edgeKeys.count * 8) + MemoryEstimate.block(edgeTargets.count * 4)
        total += 3 * MemoryEstimate.block(stateCount * 4)
        total += MemoryEstimate.array(count: patternLength.count, stride: 4)
        total += MemoryEstimate.array(count: multiUnits.count, stride: 8)
        for unit in multiUnits where !unit.isEmpty { total += MemoryEstimate.array(count: unit.count, stride: 4) }
        total += MemoryEstimate.dictionary(count: symbolOf.count, keyStride: 4, valueStride: 4)
        return total
    }

    @inline(__always)
    private func edge(_ state: Int32, _ symbol: UInt32) -> Int32 {
        let key = UInt64(UInt32(state)) << 32 | UInt64(symbol)
        var slot = Int((key &* 0x9E37_79B9_7F4A_7C15) >> edgeShift)
        while true {
            let stored = edgeKeys[slot]
            if stored == key { return edgeTargets[slot] }
            if stored == 0 { return -1 }
            slot = (slot + 1) & edgeMask
        }
    }

    /// The state after reading `symbol` in `state`, following fail links.
    @inline(__always)
    private func next(after state: Int32, symbol: UInt32) -> Int32 {
        if symbol == 0 { return 0 }
        var current = state
        while current != 0 {
            let target = edge(current, symbol)
            if target >= 0 { return target }
            current = fail[Int(current)]
        }
        return rootNext[Int(symbol)]
    }

    /// A pattern found in the text: positions among the folded characters
    /// that belong to some pattern (others take none), and
    /// byte offsets in the original UTF-8.
    struct Hit: Equatable {
        var pattern: Int32
        var unitStart: Int
        var unitEnd: Int
        var byteStart: Int
        var byteEnd: Int
    }

    /// Every occurrence of every pattern, overlapping ones included, in
    /// the order their ends are read. `bytes` must be valid UTF-8.
    func hits(in bytes: UnsafeBufferPointer<UInt8>, into hits: inout [Hit]) {
        guard maxPatternLength > 0, let base = bytes.baseAddress else { return }
        var ringSize = 1
        while ringSize < maxPatternLength { ringSize <<= 1 }
        let ringMask = ringSize - 1
        withUnsafeTemporaryAllocation(of: Int.self, capacity: ringSize) { ring in
            var state: Int32 = 0
            var unit = 0
            var index = 0
            let count = bytes.count
            while index < count {
                let lead = base[index]
                let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
                // Valid UTF-8 never ends inside a character; a truncated
                // buffer must not be read past its end either.
                if index + length > count { break }
                let scalar: UInt32
                switch length {
                case 1: scalar = UInt32(lead)
                case 2: scalar = UInt32(lead & 0x1F) << 6 | UInt32(base[index + 1] & 0x3F)
                case 3:
                    scalar = UInt32(lead & 0x0F) << 12 | UInt32(base[index + 1] & 0x3F) << 6 | UInt32(base[index + 2] & 0x3F)
                default:
                    scalar =
                        UInt32(lead & 0x07) << 18 | UInt32(base[index + 1] & 0x3F) << 12 | UInt32(base[index + 2] & 0x3F) << 6
                        | UInt32(base[index + 3] & 0x3F)
                }
                let code = scalar < 0x20000 ? units[Int(scalar)] : slowUnit(scalar)
                // A character in no pattern ends every partial match. It
                // takes no unit: no match or allowed phrase can span it,
                // so positions on either side never meet in one range.
                if code == 0 {
                    state = 0
                } else if code != Self.skip {
                    if code & Self.multiFlag == 0 {
                        ring[unit & ringMask] = index
                        unit += 1
                        state = step(state, code, unit: unit, end: index + length, ring: ring, ringMask: ringMask, hits: &hits)
                    } else {
                        for symbol in multi(code, scalar: scalar) {
                            if symbol == 0 {
                                state = 0
                                continue
                            }
                            ring[unit & ringMask] = index
                            unit += 1
                            state = step(state, symbol, unit: unit, end: index + length, ring: ring, ringMask: ringMask, hits: &hits)
                        }
                    }
                }
                index += length
            }
        }
    }

    @inline(__always)
    private func step(
        _ state: Int32, _ symbol: UInt32, unit: Int, end: Int, ring: UnsafeMutableBufferPointer<Int>, ringMask: Int, hits: inout [Hit]
    ) -> Int32 {
        let next = next(after: state, symbol: symbol)
        var found = report[Int(next)]
        while found >= 0 {
            let pattern = own[Int(found)]
            let start = unit - Int(patternLength[Int(pattern)])
            hits.append(Hit(pattern: pattern, unitStart: start, unitEnd: unit, byteStart: ring[start & ringMask], byteEnd: end))
            found = report[Int(fail[Int(found)])]
        }
        return next
    }

    /// Scalars beyond plane 1 (rare CJK extensions, tags) fold through
    /// Foundation: the table would cost 4 MB for them.
    private func slowUnit(_ scalar: UInt32) -> UInt32 {
        guard let value = Unicode.Scalar(scalar) else { return 0 }
        let folded = TextFolding.computeFold(value)
        switch folded.count {
        case 0: return Self.skip
        case 1: return symbolOf[folded[0].value] ?? 0
        default: return Self.multiFlag | 0x7FFF_FFFF
        }
    }

    private func multi(_ code: UInt32, scalar: UInt32) -> [UInt32] {
        let index = code & ~Self.multiFlag
        if index == 0x7FFF_FFFF, let value = Unicode.Scalar(scalar) {
            return TextFolding.computeFold(value).map { symbolOf[$0.value] ?? 0 }
        }
        return multiUnits[Int(index)]
    }
}
