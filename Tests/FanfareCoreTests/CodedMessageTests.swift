import FanfareCore
import Foundation
import Testing

/// Problems are codes with typed arguments; English is made from them.
@Suite struct CodedMessageTests {
    @Test func everyCodeHasAnEnglishTemplateWithWellFormedPlaceholders() {
        var seen: Set<String> = []
        for code in MessageCode.allCases {
            #expect(!code.english.isEmpty, "\(code.rawValue)")
            #expect(code.rawValue.allSatisfy { $0.isLowercase || $0 == "_" }, "codes are snake_case: \(code.rawValue)")
            // A typed placeholder left from the table ("{max:int}") would be printed as it is.
            #expect(!code.english.contains(":int}") && !code.english.contains(":text}"), "\(code.rawValue)")
            #expect(seen.insert(code.english).inserted, "two codes say the same: \(code.english)")
        }
        #expect(MessageCode.allCases.count > 300)
    }

    @Test func argumentsAreWrittenByTheirType() {
        #expect(CodedMessage.lengthBetween(min: 1, max: 100_000).english == "must be 1 to 100,000 characters")
        #expect(CodedMessage.lengthBetween(min: 1, max: 999).english == "must be 1 to 999 characters")
        #expect(CodedMessage.oneOf(choices: ["warn", "review", "block"]).english == "must be one of: warn, review, block")
        #expect(CodedMessage.either(choices: ["json", "csv"]).english == "must be json or csv")
        #expect(CodedMessage.either(choices: ["me", "none", "a user id"]).english == "must be me, none or a user id")
        #expect(
            CodedMessage.entriesCloseFuture(at: Date(timeIntervalSince1970: 0)).english == "must be in the future; it is 1970-01-01T00:00:00Z")
        #expect(
            CodedMessage.mediaTooLarge(size: 6 * 1_048_576, platform: "weibo", kind: "image", max: 5 * 1_048_576).english
                == "is 6.0 MB; weibo accepts a image up to 5.0 MB")
        #expect(MessageArgument.int(-1_234_567).text(.en) { $0.english } == "-1,234,567")
    }

    @Test func aMessageMayHoldAnotherWrittenInTheSameLanguage() {
        let message = CodedMessage.onLine(line: 3, message: .fieldSays(field: "severity", message: .notEmpty))
        #expect(message.english == "line 3: severity must not be empty")
        let zh = message.rendered(.zhHans) { $0 == .onLine ? "第 {line} 行：{message}" : $0 == .notEmpty ? "不能为空" : $0.english }
        #expect(zh == "第 3 行：severity 不能为空")
    }

    @Test func bracesThatAreNotPlaceholdersStayAsWritten() {
        #expect(MessageTemplate.placeholders(in: "uses the unknown variable {{name}}; known variables are {known}") == ["name", "known"])
        #expect(CodedMessage.unknownVariable(name: "foo").english == "uses the unknown variable {foo}")
        #expect(CodedMessage.unclosedBrace(position: 3).english == "has a { at character 3 that is never closed")
        #expect(MessageTemplate.placeholders(in: #"is required: a group {"all": […]} of conditions"#).isEmpty)
        #expect(CodedMessage.segmentRuleRequired.english.contains(#"{"all": […]}"#))
    }

    @Test func anIssueIsSentWithItsCodeAndArgumentsBesideTheEnglish() throws {
        let issue = FieldIssue(field: "title", .lengthBetween(min: 1, max: 200))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(issue), as: UTF8.self)
        #expect(json == #"{"arguments":{"max":200,"min":1},"code":"length_between","field":"title","message":"must be 1 to 200 characters"}"#)
        #expect(try JSONDecoder().decode(FieldIssue.self, from: Data(json.utf8)) == issue)
        let bare = String(decoding: try encoder.encode(FieldIssue(field: "body", .required)), as: UTF8.self)
        #expect(bare == #"{"code":"required","field":"body","message":"is required"}"#, "no arguments, no arguments key")
    }

    @Test func validatorsReportEveryProblemWithItsCode() {
        do {
            _ = try Lottery.draw(seedHex: "x", entrants: [], winners: 1)
            Issue.record("a bad draw was accepted")
        } catch {
            #expect(error.issues.map(\.field) == ["seed", "entrants"])
            #expect(error.issues.map(\.code) == [.seedLength, .entrantsRequired])
            #expect(
                error.joined { .fieldSays(field: $0.field, message: $0.coded) }?.english
                    == "seed must be 64 hex characters (32 bytes); this one has 1 characters; entrants must list at least one entrant id")
        }
    }
}
