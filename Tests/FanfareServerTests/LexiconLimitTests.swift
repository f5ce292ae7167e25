import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// Issue 16: lexicons grew without bound (one workspace with 258,000
/// terms took 1.8 GB), and a 99,000-term import held the one writer for
/// 16 s. A workspace's lexicon now stops at FANFARE_LEXICON_MAX_TERMS
/// entries, and an import is written in batches hidden until it finishes.
@Suite struct LexiconLimitTests {
    func lexicon(_ room: Newsroom) -> String { "/api/v1/workspaces/\(room.ws.slug)/lexicon" }

    func limit(_ t: TestApp, to entries: Int) { t.app.storage[SettingsKey.self]?.lexiconMaxTerms = entries }

    func entries(_ room: Newsroom) async throws -> Int {
        try await LexiconEntry.query(on: room.t.db).filter(\.$workspace.$id == room.ws.id!).count()
    }

    func version(_ room: Newsroom) async throws -> Int { try await Workspace.find(room.ws.id, on: room.t.db)!.lexiconVersion }

    @Test(arguments: TestDatabase.available)
    func addsAndImportsBeyondTheLimitAreRefusedNamingTheFieldAndWriteNothing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            limit(t, to: 5)
            for term in ["限一", "限二", "限三"] {
                #expect(try await t.api(.POST, "\(lexicon(room))/terms", token: room.admin, json: ["term": term]).status == .created)
            }
            #expect(try await t.api(.POST, "\(lexicon(room))/allow", token: room.admin, json: ["phrase": "限一下"]).status == .created)
            let before = try await version(room)

            // Three new terms would make 7 entries: refused, preview too.
            let file = "限一\n限四\n限五\n限六\n"
            for dryRun in [true, false] {
                let refused = try await t.api(
                    .POST, "\(lexicon(room))/import", token: room.admin, json: ["format": "txt", "content": file, "dry_run": dryRun])
                #expect(refused.status == .unprocessableEntity, "\(refused.body)")
                #expect(refused.problemFields == ["content"])
                #expect(refused.body.contains("at most 5") && refused.body.contains("FANFARE_LEXICON_MAX_TERMS"), "\(refused.body)")
            }
            #expect(try await entries(room) == 4, "nothing of the import was written")
            #expect(try await version(room) == before)
            #expect(try await LexiconImport.query(on: t.db).count() == 0)

            // One more fits; the next term and the next phrase do not.
            #expect(try await t.api(.POST, "\(lexicon(room))/terms", token: room.admin, json: ["term": "限四"]).status == .created)
            let term = try await t.api(.POST, "\(lexicon(room))/terms", token: room.admin, json: ["term": "限五"])
            #expect(term.status == .unprocessableEntity && term.problemFields == ["term"])
            #expect(term.body.contains("would make the lexicon 6 entries; a workspace may hold at most 5"), "\(term.body)")
            let phrase = try await t.api(.POST, "\(lexicon(room))/allow", token: room.admin, json: ["phrase": "限二下"])
            #expect(phrase.status == .unprocessableEntity && phrase.problemFields == ["phrase"])
            #expect(try await entries(room) == 5)
            // The limit counts entries, not changes: an import that only
            // changes existing terms still goes through.
            let changes = try await t.api(
                .POST, "\(lexicon(room))/import", token: room.admin, json: ["format": "csv", "content": "限一,risk,warn\n限二,risk,warn\n"])
            #expect(changes.status == .ok && changes.json["applied"] as? Bool == true, "\(changes.body)")
            #expect((changes.json["updated"] as? [Any])?.count == 2)
            // Removing one makes room again.
            let id = try #require(try await t.api(.GET, "\(lexicon(room))/entries?kind=allow", token: room.admin).items.first?["id"] as? String)
            #expect(try await t.api(.DELETE, "\(lexicon(room))/entries/\(id)", token: room.admin).status == .noContent)
            #expect(try await t.api(.POST, "\(lexicon(room))/terms", token: room.admin, json: ["term": "限五"]).status == .created)

            // A limit lowered below what a lexicon holds stops additions,
            // not changes.
            limit(t, to: 3)
            let lowered = try await t.api(
                .POST, "\(lexicon(room))/import", token: room.admin, json: ["format": "csv", "content": "限一,risk,review\n"])
            #expect(lowered.json["applied"] as? Bool == true, "\(lowered.body)")
            #expect(try await t.api(.POST, "\(lexicon(room))/terms", token: room.admin, json: ["term": "限七"]).status == .unprocessableEntity)
            limit(t, to: 5)

            // The limit is per workspace.
            let (_, other, otherWS) = try await t.makeWorkspaceAdmin("other@example.com", workspace: "Other")
            let elsewhere = try await t.api(
                .POST, "/api/v1/workspaces/\(otherWS.slug)/lexicon/import", token: other, json: ["format": "txt", "content": "甲\n乙\n丙\n丁\n戊\n"])
            #expect(elsewhere.json["applied"] as? Bool == true, "\(elsewhere.body)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func thePagesRefuseALexiconBeyondItsLimit(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            limit(t, to: 2)
            let browser = Browser(t)
            _ = try await browser.signIn("author@example.com")
            let page = "/w/\(room.ws.slug)/moderation/lexicon"
            _ = try await browser.get(page)
            let first = try await browser.post("\(page)/terms", [("term", "页一"), ("severity", "warn"), ("scope", "all")])
            #expect(first.status == .seeOther)
            let importing = try await browser.post(
                "\(page)/import",
                [
                    ("content", "页二\n页三\n"), ("format", "txt"), ("import_category", "risk"), ("import_severity", "warn"),
                    ("import_scope", "all"), ("mode", "apply"),
                ])
            #expect(importing.status == .unprocessableEntity)
            #expect(importing.body.contains("a workspace may hold at most 2"), "the error is shown at the file")
            #expect(try await entries(room) == 1)
            #expect(try await browser.post("\(page)/terms", [("term", "页二"), ("severity", "warn"), ("scope", "all")]).status == .seeOther)
            _ = try await browser.get(page)
            let third = try await browser.post("\(page)/terms", [("term", "页三"), ("severity", "warn"), ("scope", "all")])
            #expect(third.status == .unprocessableEntity)
            #expect(third.body.contains("would make the lexicon 3 entries; a workspace may hold at most 2"))
            #expect(try await entries(room) == 2)
            // A reader of Chinese pages reads the limit in Chinese.
            #expect(
                CodedMessage.lexiconLimit(total: 100_001, max: 100_000).text(.zhHans)
                    == "会使词库达到 100,001 条；每个工作区最多 100,000 条（FANFARE_LEXICON_MAX_TERMS）")
            let importMessage = CodedMessage.lexiconLimitAdding(adding: 3, existing: 99_998, max: 100_000)
            #expect(
                importMessage.english
                    == "would add 3 entries to the 99,998 the lexicon holds; a workspace may hold at most 100,000 (FANFARE_LEXICON_MAX_TERMS)")
            #expect(importMessage.text(.zhHans) == "会在词库现有的 99,998 条之外新增 3 条；每个工作区最多 100,000 条（FANFARE_LEXICON_MAX_TERMS）")
        }
    }

    /// More than one batch: every entry arrives, in one audit event and
    /// one version, and the new engine finds them.
    @Test(arguments: TestDatabase.available)
    func aLargeImportIsWrittenInBatchesAndShownAtOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            #expect(
                try await t.api(.POST, "\(lexicon(room))/terms", token: room.admin, json: ["term": "批词7号", "severity": "warn"]).status == .created)
            let before = try await version(room)
            let count = LexiconService.rowsPerBatch * 2 + 17
            let file = (0..<count).map { "批词\($0)号,risk,block" }.joined(separator: "\n")
            let applied = try await t.api(.POST, "\(lexicon(room))/import", token: room.admin, json: ["format": "csv", "content": file])
            #expect(applied.status == .ok, "\(applied.body.prefix(300))")
            #expect((applied.json["added"] as? [Any])?.count == count - 1)
            #expect((applied.json["updated"] as? [Any])?.count == 1)
            #expect(try await entries(room) == count)
            #expect(try await version(room) == before + 1)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "lexicon.imported").count() == 1)
            #expect(try await LexiconImport.query(on: t.db).count() == 0)
            let listed = try await t.api(.GET, "\(lexicon(room))/entries?limit=200", token: room.admin)
            #expect(listed.items.count == 200)
            let engine = try await t.app.moderationEngine(for: try #require(try await Workspace.find(room.ws.id, on: t.db)))
            let found = engine.scan("批词7号和批词\(count - 1)号")
            #expect(found.count == 2 && found.allSatisfy { $0.severity == .block })
        }
    }

    /// Entries of an import still being written are in no read, block the
    /// same term being added, and keep a second import out; an import
    /// abandoned by a process that died is discarded by the next one.
    @Test(arguments: TestDatabase.available)
    func anUnfinishedImportStaysHiddenAndAnAbandonedOneIsDiscarded(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let startedAt = Date()
            let pending = LexiconImport()
            pending.id = TimeOrderedID.make(at: startedAt)
            pending.workspaceID = room.ws.id!
            pending.startedAt = startedAt
            try await pending.create(on: t.db)
            let hidden = LexiconEntry.make(
                LexiconTerm(term: "半截词", category: "risk", severity: .block), in: room.ws.id!, by: .system, now: startedAt)
            hidden.importID = pending.id
            try await hidden.create(on: t.db)

            #expect(try await t.api(.GET, "\(lexicon(room))/entries", token: room.admin).items.isEmpty)
            #expect(try await t.api(.GET, "\(lexicon(room))/export?format=txt", token: room.admin).body.isEmpty)
            #expect(try await LexiconService.compile(room.ws.id!, on: t.db).scan("半截词").isEmpty)
            let browser = Browser(t)
            _ = try await browser.signIn("author@example.com")
            #expect(try await !browser.get("/w/\(room.ws.slug)/moderation/lexicon").body.contains("半截词"))
            let same = try await t.api(.POST, "\(lexicon(room))/terms", token: room.admin, json: ["term": "半截词"])
            #expect(same.status == .unprocessableEntity && same.body.contains("import being written"), "\(same.body)")
            let second = try await t.api(.POST, "\(lexicon(room))/import", token: room.admin, json: ["format": "txt", "content": "别的词\n"])
            #expect(second.status == .conflict && second.body.contains("lexicon-import-running"), "\(second.body)")

            // Its process died long ago: the next import discards it first.
            pending.startedAt = startedAt.addingTimeInterval(-LexiconService.abandonedAfter - 60)
            try await pending.save(on: t.db)
            let next = try await t.api(.POST, "\(lexicon(room))/import", token: room.admin, json: ["format": "txt", "content": "别的词\n"])
            #expect(next.json["applied"] as? Bool == true, "\(next.body)")
            #expect(try await LexiconEntry.find(hidden.id, on: t.db) == nil)
            #expect(try await LexiconImport.query(on: t.db).count() == 0)
            #expect(try await t.api(.GET, "\(lexicon(room))/entries", token: room.admin).items.compactMap { $0["term"] as? String } == ["别的词"])
        }
    }
}
