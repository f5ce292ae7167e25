import FanfareConnectors
import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// Chinese pages must not show English validation sentences.
@Suite struct FieldMessagesTests {
    @Test func everyValidatorSentenceHasAChineseRendering() {
        var messages: [String] = []
        func collect(_ check: () throws(ValidationErrors) -> Void) {
            do { try check() } catch { messages += error.issues.map(\.message) }
        }
        collect { () throws(ValidationErrors) in _ = try Credentials.email("x") }
        collect { () throws(ValidationErrors) in try Credentials.password("x") }
        collect { () throws(ValidationErrors) in _ = try Credentials.displayName("") }
        collect { () throws(ValidationErrors) in _ = try Credentials.displayName("a\u{7}") }
        collect { () throws(ValidationErrors) in _ = try Credentials.timeZone("x") }
        collect { () throws(ValidationErrors) in _ = try UILocale(validating: "fr") }
        collect { () throws(ValidationErrors) in _ = try Role(validating: "owner") }
        collect { () throws(ValidationErrors) in _ = try WorkspaceRules.name("") }
        collect { () throws(ValidationErrors) in _ = try WorkspaceRules.slug("A") }
        collect { () throws(ValidationErrors) in _ = try PageQuery(limit: "0", cursor: "zz") }
        collect { () throws(ValidationErrors) in _ = try TokenScope.parse(["root"]) }
        collect { () throws(ValidationErrors) in _ = try AuditFilter(actor: nil, action: nil, from: "x", to: nil) }
        messages += [
            "must be a@example.com, the address this invitation was made for", "is required: one of admin, viewer",
            "must list 1 to 20 platforms from: weibo", "must be the file size in bytes, 0 or more",
        ]
        #expect(messages.count >= 14)
        for message in messages {
            let chinese = FieldMessages.text(message, .zhHans)
            #expect(chinese != message, "no Chinese for: \(message)")
            #expect(FieldMessages.text(message, .en) == message)
        }
        #expect(FieldMessages.text("must be 10 to 72 bytes long (it is 5)", .zhHans) == "长度须为 10 到 72 字节（当前为 5 字节）")
        for (message, chinese) in [
            ("must have one answer per question (2), null for a question left out", "须每题一个答案（共 2 题），未答的题填 null"),
            ("has 0190-abc, which is not a segment of this workspace", "0190-abc 不是本工作区的分群"),
            ("must list the chosen options by index, from 0 to 3", "须按序号列出所选选项，取值 0 到 3"),
            ("question 2 must mark exactly one option as correct with * (it marks 0)", "第 2 题须用 * 标出唯一的正确选项（现在标了 0 个）"),
            ("'Mug' needs level 2; the fan is level 1", "「Mug」需要等级 2，该粉丝为等级 1"),
            ("needs 100 points; the balance is 20", "需要 100 积分，当前余额 20"),
            (
                GuardedHTTPTransport.unreachable("mastodon.example"),
                "无法连接 mastodon.example。请检查地址；如果它在你们自己的内网中，需由运维人员放行（FANFARE_OUTBOUND_ALLOW）。"
            ),
        ] {
            #expect(FieldMessages.text(message, .zhHans) == chinese, "a pattern that never matches leaves '\(message)' in English")
        }
    }

    @Test func everyLiteralValidationSentenceInTheSourcesIsTranslated() throws {
        let sources = ContractTests.repository.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        let pattern = try Regex(#"(?:ValidationErrors|errors\.add)\(\s*(?:field|"[a-z_A-Z.-]+"),\s*"([^"\\]+)"\)"#)
        var found = 0
        for file in files {
            for match in try String(contentsOf: file, encoding: .utf8).matches(of: pattern) {
                guard let message = match.output[1].substring.map(String.init) else { continue }
                found += 1
                #expect(FieldMessages.text(message, .zhHans) != message, "\(file.lastPathComponent): no Chinese for '\(message)'")
            }
        }
        #expect(found >= 10, "the search found \(found) sentences; is the pattern still right?")
    }
}

@Suite struct RuleMessageTranslationTests {
    @Test func everyRuleAVariantCanBreakReadsInChinese() {
        let long = String(repeating: "春", count: 3_000)
        var seen = 0
        for (platform, rules) in PlatformRules.standard {
            let variants = [
                Variant(
                    title: String(repeating: "题", count: 300), text: long + " #话题# #tag",
                    media: Array(repeating: MediaAttachment(kind: .image, bytes: 1), count: 30)),
                Variant(text: "#半个话题"),
            ]
            for variant in variants {
                for violation in VariantValidator.violations(of: variant, against: rules) {
                    let translated = FieldMessages.text(violation.message, .zhHans)
                    #expect(translated != violation.message, "\(platform): no Chinese for '\(violation.message)'")
                    seen += 1
                }
            }
        }
        #expect(seen > 20)
    }
}
