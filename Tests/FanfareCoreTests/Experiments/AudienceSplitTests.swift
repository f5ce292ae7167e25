import Foundation
import Testing

@testable import FanfareCore

/// The audience split: exact group sizes by weight, the same groups from
/// the same seed whatever the order of the fans, other groups from
/// another seed, and no pattern in who lands where.
@Suite struct AudienceSplitTests {
    @Test func groupSizesFollowTheWeightsExactly() {
        #expect(AudienceSplit.sizes(total: 10, weights: [1, 1]) == [5, 5])
        #expect(AudienceSplit.sizes(total: 11, weights: [1, 1]) == [6, 5])
        // 2.5, 5, 2.5: the tie goes to the earlier arm.
        #expect(AudienceSplit.sizes(total: 10, weights: [1, 2, 1]) == [3, 5, 2])
        #expect(AudienceSplit.sizes(total: 0, weights: [1, 3]) == [0, 0])
        #expect(AudienceSplit.sizes(total: 1_000, weights: [0.3, 0.7]) == [300, 700])
        #expect(AudienceSplit.sizes(total: 7, weights: [1, 1, 1]) == [3, 2, 2])
    }

    @Test func theSameSeedGivesTheSameGroupsInAnyOrder() {
        let fans = (0..<2_000).map { "fan-\($0)" }
        let split = AudienceSplit.assign(fanIDs: fans, seed: "s1", weights: [1, 3])
        #expect(split.count == 2_000)
        #expect(split.values.filter { $0 == 0 }.count == 500 && split.values.filter { $0 == 1 }.count == 1_500)
        #expect(AudienceSplit.assign(fanIDs: fans.reversed(), seed: "s1", weights: [1, 3]) == split)
        let other = AudienceSplit.assign(fanIDs: fans, seed: "s2", weights: [1, 3])
        let moved = fans.filter { split[$0] != other[$0] }.count
        // Another seed reshuffles: about 2 × 0.25 × 0.75 of the fans change group.
        #expect(moved > 600 && moved < 900, "\(moved)")
        // No pattern by position: the first and second half of the list get the same share of arm 0.
        let firstHalf = fans.prefix(1_000).filter { split[$0] == 0 }.count
        #expect(firstHalf > 200 && firstHalf < 300, "\(firstHalf)")
    }

    @Test func theKeyIsSha256OfSeedAndFan() {
        // printf 's\0f' | sha256sum → 8 first bytes, big-endian.
        let key = AudienceSplit.key(seed: "s", fanID: "f")
        #expect(key == 0xdc1f_f0f1_2f2b_b8d5)
        // The separator keeps "s" + "f" apart from "sf" + "".
        #expect(key != AudienceSplit.key(seed: "sf", fanID: ""))
    }
}
