import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// The hand-written reads that make busy pages cheaper (docs/benchmarks.md)
/// give the answers of the model reads they replaced, on SQLite and
/// PostgreSQL: the audit page's rows, segment counts and members read in
/// one pass, the fan page's merge choices.
@Suite struct PageQueryTests {
    @Test(arguments: TestDatabase.available)
    func theAuditPageReadsWhatTheModelQueryReads(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("rows@example.com", workspace: "Rows")
            for n in 0..<4 { _ = try await t.api(.PATCH, "/api/v1/workspaces/\(ws.slug)", token: token, json: ["name": "Rows \(n)"]) }
            let access = WorkspaceAccess(workspace: ws, workspaceID: ws.id!, role: .admin, matrix: .standard)
            let filters = [
                try AuditFilter(actor: nil, action: nil, from: nil, to: nil),
                try AuditFilter(actor: "ROWS@example.com", action: "workspace.updated", from: nil, to: nil),
                try AuditFilter(actor: nil, action: nil, from: "2000-01-01", to: "2999-01-01"),
                try AuditFilter(actor: "nobody@example.com", action: nil, from: nil, to: nil),
            ]
            for filter in filters {
                var cursor: String?
                var pages = 0
                repeat {
                    let page = try PageQuery(limit: "2", cursor: cursor)
                    let (models, modelNext) = try await AuditQuery.page(access: access, filter: filter, page: page, on: t.db)
                    let (rows, rowNext) = try await AuditQuery.pageRows(access: access, filter: filter, page: page, on: t.db)
                    #expect(rows == models.map(AuditPage.AuditPageEvent.init), "\(filter)")
                    #expect(rowNext == modelNext)
                    cursor = rowNext
                    pages += 1
                } while cursor != nil && pages < 10
                #expect(pages < 10)
            }
            let everything = try await AuditQuery.pageRows(access: access, filter: filters[1], page: PageQuery(limit: 50), on: t.db).0
            #expect(everything.map(\.action) == Array(repeating: "workspace.updated", count: 4))
            #expect(everything.first?.after.contains("Rows 3") == true, "newest first")
        }
    }

    @Test(arguments: TestDatabase.available)
    func segmentsCountedInOnePassAgreeWithEachFansModel(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            for n in 1...12 { try await room.fan("小雨", "第\(n)条：什么时候补货？") }
            for name in ["阿杰", "Mia", "Leo", "Ann"] { try await room.fan(name, "hello") }
            try await room.profile("小雨", ["region": "上海", "tags": ["VIP"]])
            try await room.profile("阿杰", ["region": "上海"])
            try await room.profile("Mia", ["region": "北京"])
            let rules = try [
                #"{"field": "region", "op": "eq", "value": "上海"}"#,
                #"{"all": [{"field": "region", "op": "eq", "value": "上海"}, {"field": "activity_tier", "op": "gte", "value": "active"}]}"#,
                #"{"not": {"field": "region", "op": "eq", "value": "北京"}}"#,
                #"{"field": "platform", "op": "contains", "value": "sandbox"}"#,
            ].map { try SegmentRule.parse(Data($0.utf8)) }
            let now = Date()
            let zone = room.ws.zone
            let scan = try SegmentScan(t.db, workspaceID: room.ws.id!, zone: zone, now: now)

            // What each rule holds, from the models one by one.
            let fans = try await Fan.query(on: t.db).filter(\.$workspace.$id == room.ws.id!).filter(\.$mergedInto == nil)
                .filter(\.$erasedAt == nil).sort(\.$id).all()
            let platforms = try await scan.platforms(of: fans.map { $0.id! })
            let expected = rules.map { rule in
                fans.filter { rule.matches($0.facts(platforms: platforms[$0.id!] ?? [], now: now, zone: zone)) }.map { $0.id! }
            }
            #expect(expected.map(\.count) == [2, 1, 4, 5], "the fixture tells the rules apart")

            #expect(try await scan.counts(rules) == expected.map(\.count))
            for (rule, ids) in zip(rules, expected) { #expect(try await scan.count(rule) == ids.count) }
            let membership = try await scan.membership(
                of: fans.map { $0.id! },
                in: Dictionary(uniqueKeysWithValues: rules.indices.map { (UUID(uuidString: "00000000-0000-0000-0000-00000000000\($0)")!, rules[$0]) })
            )
            for fan in fans {
                let holding = Set(
                    rules.indices.filter { expected[$0].contains(fan.id!) }.map { UUID(uuidString: "00000000-0000-0000-0000-00000000000\($0)")! })
                #expect((membership[fan.id!] ?? []) == holding)
            }

            // A segment's page: the count and its first members in one pass, the next page from the cursor.
            let access = WorkspaceAccess(workspace: room.ws, workspaceID: room.ws.id!, role: .admin, matrix: .standard)
            let service = SegmentService(db: t.db)
            let segment = try await service.create(.init(name: "Not Beijing", rule: rules[2]), in: access, actor: .system)
            let first = try await service.countAndMembers(segment, page: PageQuery(limit: 3), in: access)
            #expect(first.count == 4 && first.fans.map { $0.id! } == Array(expected[2].prefix(3)))
            let cursor = try #require(first.next)
            let second = try await service.countAndMembers(segment, page: try PageQuery(limit: "3", cursor: cursor), in: access)
            #expect(second.count == 4 && second.fans.map { $0.id! } == Array(expected[2].dropFirst(3)) && second.next == nil)
            let all = try await service.countAndMembers(segment, page: PageQuery(limit: 50), in: access)
            #expect(all.fans.map { $0.id! } == expected[2] && all.next == nil)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theFansListsRowsAreTheModelsOfTheSameFilter(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            for n in 1...12 { try await room.fan("小雨", "第\(n)条：什么时候补货？") }
            for name in ["阿杰", "Mia", "Leo", "mia_2"] { try await room.fan(name, "hello") }
            let access = WorkspaceAccess(workspace: room.ws, workspaceID: room.ws.id!, role: .admin, matrix: .standard)
            let service = FanService(db: t.db)
            let filters = [
                try FanService.Filter(tier: nil, platform: nil), try FanService.Filter(tier: "silent", platform: nil),
                try FanService.Filter(tier: nil, platform: "sandbox"), try FanService.Filter(tier: nil, platform: "weibo"),
                try FanService.Filter(tier: nil, platform: nil, search: "MIA"),
            ]
            for filter in filters {
                var cursor: String?
                var pages = 0
                repeat {
                    let page = try PageQuery(limit: "2", cursor: cursor)
                    let (models, modelNext) = try await service.list(filter, page: page, in: access, actor: .system)
                    let (rows, rowNext) = try await service.rows(filter, page: page, in: access, actor: .system)
                    #expect(
                        rows
                            == models.map {
                                FanService.Row(
                                    id: $0.fan.id!, name: $0.fan.displayName, platforms: Array(Set($0.identities.map(\.platform))).sorted(),
                                    tier: $0.fan.activityTier, interactions30d: $0.fan.interactions30d, points: $0.fan.pointsBalance,
                                    level: $0.fan.level,
                                    lastInteractionAt: $0.fan.lastInteractionAt, erased: $0.fan.erasedAt != nil)
                            })
                    #expect(rowNext == modelNext)
                    cursor = rowNext
                    pages += 1
                } while cursor != nil && pages < 10
            }
            #expect(
                try await service.rows(filters[4], page: PageQuery(limit: 50), in: access, actor: .system).items.map(\.name).sorted() == [
                    "Mia", "mia_2",
                ])
            // Each read of personal data is audited, by rows as by models.
            let viewed = try await AuditEvent.query(on: t.db).filter(\.$action == "fans.personal_data_viewed").count()
            _ = try await service.rows(filters[0], page: PageQuery(limit: 50), in: access, actor: .system)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "fans.personal_data_viewed").count() == viewed + 1)
            let ids = try await Fan.query(on: t.db).filter(\.$workspace.$id == room.ws.id!).all().map { ($0.id!, $0.displayName) }
            #expect(try await FanMerges(db: t.db).names(of: ids.map { $0.0 }, in: access) == Dictionary(uniqueKeysWithValues: ids))
            let stranger = WorkspaceAccess(workspace: room.ws, workspaceID: UUID(), role: .admin, matrix: .standard)
            #expect(try await FanMerges(db: t.db).names(of: ids.map { $0.0 }, in: stranger).isEmpty, "another workspace's fans have no names here")
        }
    }

    @Test(arguments: TestDatabase.available)
    func theFanPagesMergeChoicesAreTheOtherLiveFansNewestFirst(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            for name in ["小雨", "阿杰", "Mia", "Leo"] { try await room.fan(name, "hello") }
            let access = WorkspaceAccess(workspace: room.ws, workspaceID: room.ws.id!, role: .admin, matrix: .standard)
            let this = try #require(UUID(uuidString: try await room.fanID("阿杰")))
            let erased = try await Fan.query(on: t.db).filter(\.$displayName == "Leo").first()!
            erased.erasedAt = Date()
            try await erased.save(on: t.db)
            let expected = try await Fan.query(on: t.db).filter(\.$workspace.$id == room.ws.id!).filter(\.$mergedInto == nil)
                .filter(\.$erasedAt == nil).filter(\.$id != this).sort(\.$id, .descending).all()
                .map { FanPage.Choice(id: $0.id!, name: $0.displayName) }
            #expect(expected.map(\.name).sorted() == ["Mia", "小雨"])
            #expect(try await FanPage.otherFans(than: this, in: access, on: t.db) == expected)
        }
    }
}

/// The pieces every page uses, without a database.
@Suite struct PageTextTests {
    @Test func placeholdersAreFilledInOnePass() {
        #expect(I18n.fill("{0} 与 {1}", ["Mia", "小雨"]) == "Mia 与 小雨")
        #expect(I18n.fill("{1}{0}{1}", ["a", "b"]) == "bab")
        #expect(I18n.fill("no placeholder", ["a"]) == "no placeholder")
        #expect(I18n.fill("{2} stays, {x} and { and {01} too", ["a"]) == "{2} stays, {x} and { and {01} too")
        #expect(I18n.fill("{0}", ["{1}", "b"]) == "{1}", "an argument's text is not read again")
        #expect(I18n.fill("{10}:{0}", (0...10).map(String.init)) == "10:0")
        #expect(I18n.fill("trailing {", ["a"]) == "trailing {")
        #expect(I18n.fill("trailing {0", ["a"]) == "trailing {0")
        #expect(I18n.text("audit.actor.cli", .en, ["restore"]).contains("restore"))
        #expect(HTML.sentence("{0} & {1}", [HTML.typed("<b>"), "x"]).rendered == "<span translate=\"no\">&lt;b&gt;</span> &amp; x")
    }

    @Test func escapingRewritesTheFiveCharactersOnly() {
        #expect(HTML.escape("plain 中文 text") == "plain 中文 text")
        #expect(HTML.escape(#"<a href="x">Tom & 'Jerry'</a> 小雨"#) == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt; 小雨")
        #expect(HTML.escape("") == "")
        #expect(HTML.escape("👍🏽<") == "👍🏽&lt;")
    }

    @Test func theCalendarsClockIsTheFormattersClock() throws {
        for identifier in ["Asia/Shanghai", "America/New_York", "Asia/Kathmandu", "UTC", "Australia/Lord_Howe"] {
            let zone = try #require(TimeZone(identifier: identifier))
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            formatter.dateFormat = "HH:mm"
            for seconds in stride(from: -86_400.0 * 3, to: 86_400 * 400, by: 86_400 * 7 + 3_659.5) {
                let date = Date(timeIntervalSince1970: 1_790_000_000 + seconds)
                #expect(CalendarPage.clock(date, zone) == formatter.string(from: date), "\(identifier) \(date)")
            }
        }
    }

    @Test func theAuditFiltersEventsAreSortedOncePerLanguage() {
        for locale in UILocale.allCases {
            let fresh = AuditPage.actions(locale)
            let served = AuditPage.model(.init(), .init(), base: "/w/demo/audit", locale: locale).actions
            #expect(served.map(\.value) == fresh.map(\.value) && served.map(\.label) == fresh.map(\.label))
        }
        #expect(AuditPage.actionsEn.map(\.label) != AuditPage.actionsZhHans.map(\.label))
    }
}
