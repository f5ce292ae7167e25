import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The audit page's model and view, without a database: events read in the
/// reader's language, what people typed is kept out of translation, and the
/// filter survives into the next page and the export.
@Suite struct AuditPageTests {
    static let event = AuditPage.AuditPageEvent(
        at: Date(timeIntervalSince1970: 1_800_000_000), actor: "lin@example.com", action: "post.created", targetType: "post",
        before: "", after: "title=春季上新")

    func context(_ locale: UILocale) -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: "/w/demo/audit")
    }

    @Test func eventsAndObjectsAreNamedInTheReadersLanguage() {
        let input = AuditPage.Input(action: "post.created")
        let found = AuditPage.Found(events: [
            Self.event, .init(at: .now, actor: "system", action: "post.edited", targetType: "post", before: "", after: ""),
        ])
        let zh = AuditPage.model(input, found, base: "/w/demo/audit", locale: .zhHans)
        #expect(zh.rows.map(\.event) == ["创建内容", "编辑内容"])
        #expect(zh.rows.map(\.target) == ["内容", "内容"])
        #expect(zh.rows.map(\.actor) == ["lin@example.com", "Fanfare（自动）"])
        let en = AuditPage.model(input, found, base: "/w/demo/audit", locale: .en)
        #expect(en.rows.map(\.event) == ["Post created", "Post edited"])
        #expect(en.actions.contains { $0.value == "member.role_changed" && $0.label == "Member's role changed" })
    }

    @Test func anUnknownCodeIsShownAsItself() {
        let found = AuditPage.Found(events: [
            .init(at: .now, actor: "cli:restore", action: "backup.restored", targetType: "installation", before: "", after: "")
        ])
        let model = AuditPage.model(.init(), found, base: "/w/demo/audit", locale: .zhHans)
        #expect(model.rows[0].event == "backup.restored")
        #expect(model.rows[0].actor == "命令行（restore）")
    }

    @Test func theFilterIsKeptInTheNextPageAndTheExport() {
        let input = AuditPage.Input(actor: "lin@example.com", action: "post.created", from: "2026-11-01")
        let model = AuditPage.model(input, .init(events: [Self.event], nextCursor: "abc"), base: "/w/demo/audit", locale: .en)
        #expect(model.nextHref == "/w/demo/audit?actor=lin@example.com&action=post.created&from=2026-11-01&cursor=abc")
        #expect(model.csvHref == "/w/demo/audit.csv?actor=lin@example.com&action=post.created&from=2026-11-01")
        #expect(AuditPage.model(.init(), .init(), base: "/w/demo/audit", locale: .en).nextHref == nil)
    }

    @Test func theViewKeepsTypedTextOutOfTranslationAndSaysWhatToDoWhenEmpty() {
        let zh = context(.zhHans)
        let model = AuditPage.model(.init(), .init(events: [Self.event]), base: "/w/demo/audit", locale: .zhHans)
        let html = AuditPage.view(model, zh).rendered
        #expect(html.contains("<td translate=\"no\">lin@example.com</td>"))
        #expect(html.contains("<td class=\"summary\" translate=\"no\">title=春季上新</td>"))
        #expect(html.contains("data-code=\"post.created\">创建内容</span>"))
        let empty = AuditPage.view(AuditPage.model(.init(), .init(), base: "/w/demo/audit", locale: .zhHans), zh).rendered
        #expect(empty.contains("还没有记录"))
        let filtered = AuditPage.view(AuditPage.model(.init(actor: "x@example.com"), .init(), base: "/w/demo/audit", locale: .zhHans), zh).rendered
        #expect(filtered.contains("清除筛选条件"))
    }

    /// Every event and object a feature records has a name in both
    /// languages: the sources are read for the literals.
    @Test func everyRecordedEventHasANameInBothLanguages() throws {
        let sources = ContractTests.repository.appendingPathComponent("Sources/FanfareServer")
        var actions: Set<String> = []
        var targets: Set<String> = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        for case let file as URL in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for line in text.split(separator: "\n") where line.contains("workspaceID:") && line.contains("action: ") {
                let tail = line[line.range(of: "action: ")!.upperBound...]
                let expression = tail.prefix { $0 != "," }
                // Both sides of `approve ? "post.approved" : "post.rejected"`.
                for match in expression.matches(of: /"([a-z_]+\.[a-z_]+)"/) { actions.insert(String(match.1)) }
                // Named from a value: the prefix must be one the vocabulary lists.
                if let prefix = expression.firstMatch(of: /"([a-z_]+\.[a-z_]*)\\\(/) {
                    #expect(AuditVocabulary.events.contains { $0.hasPrefix(String(prefix.1)) }, "no listed event for \(line)")
                }
            }
            for match in text.matches(of: /action: "([a-z_.]+)"/) { actions.insert(String(match.1)) }
            for match in text.matches(of: /targetType: "([a-z_]+)"/) { targets.insert(String(match.1)) }
        }
        #expect(actions.count > 40)
        #expect(actions.subtracting(AuditVocabulary.events).isEmpty, "events without a name: \(actions.subtracting(AuditVocabulary.events).sorted())")
        #expect(
            targets.subtracting(AuditVocabulary.targets).isEmpty, "objects without a name: \(targets.subtracting(AuditVocabulary.targets).sorted())")
        for code in AuditVocabulary.events {
            #expect(AuditVocabulary.event(code, .zhHans) != code && AuditVocabulary.event(code, .en) != code, "\(code)")
        }
    }
}
