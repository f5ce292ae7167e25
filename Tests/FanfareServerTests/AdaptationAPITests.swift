import FanfareCore
import Foundation
import Testing
import Vapor

@testable import FanfareServer

@Suite struct AdaptationAPITests {
    @Test(arguments: TestDatabase.available)
    func variantsAreCheckedAndProposedThroughTheAPI(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("editor@example.com", workspace: "Content")
            // act
            let platforms = try await t.api(.GET, "/api/v1/platforms", token: token)
            let check = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/variants/check", token: token,
                json: ["platform": "weibo", "text": String(repeating: "好", count: 150), "media": [["kind": "video", "bytes": 10]]])
            let proposals = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/variants/propose", token: token,
                json: ["platforms": ["weibo", "mastodon"], "body": "春季新品今天开售", "hashtags": ["上新"]])
            let bad = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/variants/check", token: token,
                json: ["platform": "myspace", "media": [["kind": "audio", "bytes": -1]]])
            // check
            #expect(platforms.jsonArray.count == PlatformRules.standard.count)
            #expect(platforms.jsonArray.first { $0["platform"] as? String == "weibo" }?["counting"] as? String == "weibo_half_width")
            #expect(check.status == .ok)
            #expect(check.json["text_length"] as? Int == 150)
            let violations = check.json["violations"] as? [[String: Any]] ?? []
            #expect(Set(violations.compactMap { $0["rule"] as? String }) == ["text.too_long", "media.kind_not_allowed"])
            let span = violations.first { $0["rule"] as? String == "text.too_long" }?["span"] as? [String: Any]
            #expect(span?["utf16_start"] as? Int == 140 && span?["scalar_end"] as? Int == 150)
            #expect(
                proposals.jsonArray.compactMap { ($0["variant"] as? [String: Any])?["text"] as? String }
                    == ["春季新品今天开售\n\n#上新#", "春季新品今天开售\n\n#上新"])
            #expect(bad.status == .unprocessableEntity)
            #expect(Set(bad.problemFields) == ["platform", "media[0].kind"])
        }
    }
}
