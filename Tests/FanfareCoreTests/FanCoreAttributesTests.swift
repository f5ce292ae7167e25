import FanfareCore
import Foundation
import Testing

@Suite struct FanCoreAttributesTests {
    @Test func aProfileDecodesFromSnakeCaseJSONWithEverythingOptional() throws {
        let json = #"""
            {"age_band": "25_34", "gender": "female", "region": "上海", "interests": ["护肤", "旅行"],
             "consumption_level": "premium", "preferred_platform": "xiaohongshu", "tags": ["VIP"],
             "consent": {"marketing": true}}
            """#
        let profile = try JSONDecoder().decode(FanAttributes.self, from: Data(json.utf8))
        #expect(profile.ageBand == .age25To34 && profile.gender == .female && profile.consumptionLevel == .premium)
        #expect(profile.region == "上海" && profile.interests == ["护肤", "旅行"] && profile.preferredPlatform == "xiaohongshu")
        #expect(profile.occupation == nil && profile.device == nil)
        #expect(profile.consent == FanConsent(marketing: true, analytics: false, personalisation: false))
        let empty = try JSONDecoder().decode(FanAttributes.self, from: Data("{}".utf8))
        #expect(empty == FanAttributes())
        #expect(empty.ageBand == .unknown && empty.consent == .none)
        let again = try JSONDecoder().decode(FanAttributes.self, from: JSONEncoder().encode(profile))
        #expect(again == profile)
    }

    @Test func anUnknownAgeBandNamesTheAcceptedBands() {
        do {
            _ = try JSONDecoder().decode(FanAttributes.self, from: Data(#"{"age_band": "17"}"#.utf8))
            Issue.record("decoded an unknown age band")
        } catch let DecodingError.dataCorrupted(context) {
            // The path names the field; the coded message says what is accepted.
            #expect(context.codingPath.map(\.stringValue) == ["age_band"])
            #expect(context.debugDescription == "has unknown value '17'; accepted: under_18, 18_24, 25_34, 35_44, 45_54, 55_plus, unknown")
            #expect((context.underlyingError as? CodedDecodingFailure)?.message.code == .unknownValue)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func aValidProfileHasNoProblems() {
        let profile = FanAttributes(region: "广东 深圳", interests: ["摄影"], tags: Array(repeating: "t", count: 50))
        #expect(profile.problems.isEmpty)
    }

    @Test func tagInterestAndTextLimitsAreReportedPerField() {
        let profile = FanAttributes(
            region: String(repeating: "区", count: 61), interests: (0..<31).map { "i\($0)" }, occupation: " ",
            tags: (0..<51).map { $0 == 3 ? " " : $0 == 7 ? String(repeating: "x", count: 41) : "t\($0)" })
        let problems = profile.problems.map { "\($0.field): \($0.message)" }
        #expect(
            problems == [
                "tags: must have at most 50 items (has 51)",
                "tags[3]: must not be empty",
                "tags[7]: must be at most 40 characters (has 41)",
                "interests: must have at most 30 items (has 31)",
                "region: must be at most 60 characters (has 61)",
                "occupation: must not be empty; leave it out when unknown",
            ])
    }

    @Test func normalisingTrimsTextAndDropsRepeatedTags() {
        let profile = FanAttributes(region: "  上海 ", interests: ["旅行", "旅行 "], device: "", tags: ["VIP", " vip", "ＶＩＰ", "", "新客"])
        let normal = profile.normalized()
        #expect(normal.region == "上海" && normal.device == nil)
        #expect(normal.tags == ["VIP", "新客"])
        #expect(normal.interests == ["旅行"])
        #expect(normal.problems.isEmpty)
    }
}

@Suite struct FanCorePersonalDataMaskTests {
    @Test func namesAndHandlesKeepTooLittleToFindThePerson() {
        #expect(PersonalDataMask.name("小雨同学") == "小***")
        #expect(PersonalDataMask.name("Mia Chen") == "M***")
        #expect(PersonalDataMask.name("") == "")
        #expect(PersonalDataMask.handle("@mia@example.social") == "@m***")
        #expect(PersonalDataMask.handle("u1") == "***")
    }
}
