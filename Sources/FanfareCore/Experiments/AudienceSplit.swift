import Crypto
import Foundation

/// Fans split at random into one group per arm (assignment `audience`,
/// issue 21: each group then gets a platform tag and its arm's post by a
/// tag mass-send).
///
/// Each fan's key is SHA-256 of the seed and the fan's id; fans are ordered
/// by key and cut into groups whose sizes are the weights' shares of all
/// fans (largest remainder, ties to the earlier arm). The seed is recorded
/// with the experiment and each fan's group with the fan, so anyone can
/// recompute the split from the seed and the fan list and get the same
/// groups (reproducible and auditable); without the seed, no one could
/// have chosen who lands where. Unlike `ArmAssignment.pick` (a visitor at
/// a time), the whole audience is known up front, so the sizes are exact.
public enum AudienceSplit {
    /// How many fans each arm gets: the weights' shares of `total`, rounded
    /// by largest remainder so they sum to `total`.
    public static func sizes(total: Int, weights: [Double]) -> [Int] {
        precondition(!weights.isEmpty && weights.allSatisfy { $0 > 0 }, "arms have positive weights")
        let sum = weights.reduce(0, +)
        let exact = weights.map { Double(total) * $0 / sum }
        var sizes = exact.map { Int($0.rounded(.down)) }
        let order = exact.indices.sorted { a, b in
            let ra = exact[a] - Double(sizes[a])
            let rb = exact[b] - Double(sizes[b])
            return ra != rb ? ra > rb : a < b
        }
        var left = total - sizes.reduce(0, +)
        for index in order where left > 0 {
            sizes[index] += 1
            left -= 1
        }
        return sizes
    }

    /// The fan's key under `seed`: the first 8 bytes of SHA-256(seed, 0, fan id).
    public static func key(seed: String, fanID: String) -> UInt64 {
        let digest = Array(SHA256.hash(data: Array(seed.utf8) + [0] + Array(fanID.utf8)))
        return digest.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Each fan's arm (index into `weights`), by fan id. Fan ids must be
    /// distinct; the order they are given in does not matter.
    public static func assign(fanIDs: [String], seed: String, weights: [Double]) -> [String: Int] {
        let ordered = fanIDs.map { (id: $0, key: key(seed: seed, fanID: $0)) }.sorted { $0.key != $1.key ? $0.key < $1.key : $0.id < $1.id }
        var result: [String: Int] = [:]
        result.reserveCapacity(ordered.count)
        var start = 0
        for (arm, size) in sizes(total: ordered.count, weights: weights).enumerated() {
            for fan in ordered[start..<(start + size)] { result[fan.id] = arm }
            start += size
        }
        return result
    }
}
