import FanfareCore
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// Issue 16, item 8: the loose edges of the API.
@Suite struct EdgeTests {
    struct Dated: Decodable {
        var at: Date
        var id: UUID?
    }

    /// A year-99999 time was stored and returned as `99999-01-01T00:00:00Z`,
    /// which is not RFC 3339. Bodies refuse it naming the field.
    @Test func bodiesAcceptRFC3339TimesOfTheYears1To9999Only() throws {
        for (text, expected) in [
            ("2026-11-23T08:00:00Z", 1_795_420_800.0), ("2026-11-23T16:00:00+08:00", 1_795_420_800.0),
            ("2026-11-23T08:00:00.250Z", 1_795_420_800.25), ("9999-12-31T23:59:59Z", 253_402_300_799.0),
        ] {
            let decoded = try JSONDecoder.api.decode(Dated.self, from: Data(#"{"at":"\#(text)"}"#.utf8))
            #expect(decoded.at.timeIntervalSince1970 == expected, "\(text)")
        }
        for text in [
            "99999-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:00:00-05:00", "2026-02-30T08:00:00Z", "2026-11-23",
            "2026-11-23T08:00:00", "not a time",
        ] {
            do {
                _ = try JSONDecoder.api.decode(Dated.self, from: Data(#"{"at":"\#(text)"}"#.utf8))
                Issue.record("accepted \(text)")
            } catch let error as DecodingError {
                #expect(error.fieldIssues == [FieldIssue(field: "at", .typeTime)], "\(text)")
            }
        }
        #expect(throws: DecodingError.self) { try JSONDecoder.api.decode(Dated.self, from: Data(#"{"at":1795420800}"#.utf8)) }
    }

    /// 422 details named Swift's types and cases; they say what JSON to send.
    @Test func problemDetailsNeverNameSwiftTypes() throws {
        let cases = [
            #"{"at":"2026-11-23T08:00:00Z","id":"zz"}"#, #"{"at":"2026-11-23T08:00:00Z","id":7}"#, #"{"id":null}"#, #"[1]"#, #"{"at":"#,
        ]
        for json in cases {
            do {
                _ = try JSONDecoder.api.decode(Dated.self, from: Data(json.utf8))
                Issue.record("decoded \(json)")
            } catch let error as DecodingError {
                for issue in error.fieldIssues {
                    for leak in ["UUID", "Date", "Optional", "Swift", "CodingKeys", "dataCorrupted", "typeMismatch", "Dated"] {
                        #expect(!issue.message.contains(leak), "\(json): \(issue.field) \(issue.message)")
                    }
                }
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func timesOutOfRangeAreRefusedInQueriesAndSchedules(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let audit = try await t.api(.GET, "/api/v1/workspaces/\(room.ws.slug)/audit-events?from=99999-01-01", token: room.admin)
            #expect(audit.status == .unprocessableEntity && audit.problemFields == ["from"], "\(audit.body)")
            let post = try await room.create("新品今天上市")
            try await room.approve(post)
            let far = try await t.api(.POST, "\(room.posts)/\(post)/schedule", token: room.admin, json: ["scheduled_at": "99999-01-01T00:00:00Z"])
            #expect(far.status == .unprocessableEntity && far.problemFields == ["scheduled_at"], "\(far.body)")
        }
    }

    /// API answers had no `nosniff` or `no-store`.
    @Test func answersCarryNosniffAndAPIAnswersNoStore() async throws {
        try await withTestApp(.sqlite) { t in
            let (_, token, _) = try await t.makeWorkspaceAdmin("headers@example.com", workspace: "Headers")
            let me = try await t.api(.GET, "/api/v1/me", token: token)
            let refused = try await t.api(.GET, "/api/v1/me", token: nil)
            let missing = try await t.api(.GET, "/api/v1/workspaces/nowhere/posts", token: token)
            for reply in [me, refused, missing] {
                #expect(reply.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(reply.status)")
                #expect(reply.headers.first(name: .cacheControl) == "no-store", "\(reply.status)")
            }
            let page = try await Browser(t).get("/sign-in")
            #expect(page.headers.first(name: "X-Content-Type-Options") == "nosniff")
            let stylesheet = try await t.api(.GET, "/static/app.css", token: nil)
            #expect(stylesheet.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(stylesheet.headers.first(name: .cacheControl) == "public, max-age=3600", "a handler's own caching stays")
        }
    }

    /// `METHOD /path` → the status codes its responses list, read from
    /// openapi.yaml by indentation as `ContractTests` reads it.
    static func responseCodes() throws -> [String: Set<String>] {
        let text = try String(
            contentsOf: ContractTests.repository.appendingPathComponent("Sources/FanfareServer/Resources/openapi.yaml"), encoding: .utf8)
        var codes: [String: Set<String>] = [:]
        var path: String?
        var operation: String?
        var inResponses = false
        for line in text.components(separatedBy: "\n") {
            if let first = line.first, !first.isWhitespace {
                path = nil
                operation = nil
                continue
            }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
                operation = nil
            } else if let current = path, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let key = String(line.trimmingCharacters(in: .whitespaces).dropLast())
                operation = ["get", "post", "put", "patch", "delete"].contains(key) ? "\(key.uppercased()) \(current)" : nil
                if let operation { codes[operation] = [] }
                inResponses = false
            } else if let current = operation {
                if line.hasPrefix("      "), !line.hasPrefix("       ") { inResponses = line == "      responses:" }
                if inResponses, line.hasPrefix("        '"), !line.hasPrefix("         ") {
                    codes[current]?.insert(String(line.dropFirst(9).prefix(3)))
                }
            }
        }
        return codes
    }

    /// A non-ASCII `Idempotency-Key` gives 400, which no operation
    /// documented; now every operation lists 400, and the push route 415.
    @Test func everyOperationDocumentsAMalformedRequestAndPushesTheirMediaType() async throws {
        let codes = try Self.responseCodes()
        #expect(codes.count > 100)
        for (operation, listed) in codes { #expect(listed.contains("400"), "\(operation) does not list 400") }
        #expect(codes["POST /hooks/{account_id}"]?.contains("415") == true)
        #expect(codes["GET /metrics"]?.isSuperset(of: ["401", "404"]) == true)

        try await withTestApp(.sqlite) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("keys@example.com", workspace: "Keys")
            let refused = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/topics", token: token, json: ["title": "x"], headers: [("Idempotency-Key", "ключ")])
            #expect(refused.status == .badRequest && refused.problemFields == ["Idempotency-Key"], "\(refused.body)")
        }
    }
}
