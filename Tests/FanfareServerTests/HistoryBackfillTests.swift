import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Issue 18 scope 1, "backfill what a platform's API returns for the
/// past": a WeChat account's statistics (datacube) read through the
/// guarded transport from a loopback stub, stored once, gaps filled.
@Suite struct HistoryBackfillTests {
    /// 8,000 followers on 2026-01-01, 4 more each day.
    static func followers(_ day: String) -> Int { 8_000 + 4 * MetricDay.distance(from: "2026-01-01", to: day) }

    /// A WeChat API with a token and the two user statistics interfaces.
    static func wechat(_ hit: LoopbackStub.Hit) -> (status: HTTPStatus, json: String) {
        let body = (try? JSONSerialization.jsonObject(with: Data(hit.body.utf8))) as? [String: Any] ?? [:]
        switch hit.path {
        case "/cgi-bin/stable_token": return (.ok, #"{"access_token":"TOKEN","expires_in":7200}"#)
        case "/datacube/getusercumulate", "/datacube/getusersummary":
            guard let begin = body["begin_date"] as? String, let end = body["end_date"] as? String,
                MetricDay.distance(from: begin, to: end) < 7, MetricDay.distance(from: begin, to: end) >= 0
            else { return (.ok, #"{"errcode":61501,"errmsg":"date range error"}"#) }
            let rows = MetricDay.range(begin, end).map { day in
                hit.path.hasSuffix("cumulate")
                    ? #"{"ref_date":"\#(day)","user_source":0,"cumulate_user":\#(followers(day))}"#
                    : #"{"ref_date":"\#(day)","user_source":0,"new_user":6,"cancel_user":2}"#
            }
            return (.ok, #"{"list":[\#(rows.joined(separator: ","))]}"#)
        default: return (.ok, #"{"errcode":40066,"errmsg":"invalid url"}"#)
        }
    }

    static func days(_ t: TestApp, _ account: UUID) async throws -> [(day: String, followers: Int?, writes: Int, source: String)] {
        try await MetricStoreTests.rows(t, "account_metric_days", account: account)
    }

    @Test(arguments: TestDatabase.available)
    func aWeChatAccountsHistoryIsStoredOnceAndItsGapsFilled(_ database: TestDatabase) async throws {
        try await withLoopbackStub(Self.wechat) { stub in
            try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
                let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
                let connected = try await OutboundGuardTests.connect(
                    t, ws.slug, token, "wechat",
                    [
                        "appID": "wx1234567890abcdef", "appSecret": "secret", "accountType": "subscription", "serverToken": "pamtest",
                        "readOriginalURL": "https://brand.example/wechat", "apiBaseURL": stub.baseURL, "accountName": "品牌号",
                    ])
                #expect(connected.status == .created, "\(connected.body)")
                let account = try #require(try await SocialAccount.find(UUID(uuidString: connected.json["id"] as? String ?? ""), on: t.db))
                #expect(try await MetricsPass.unfilled(workspaceID: ws.id!, on: t.db) == [account.id!], "WeChat keeps history")
                let now = Date()
                let zone = try await MetricHistoryService.timeZone(of: ws.id!, on: t.db)
                let today = MetricDay.of(now, in: zone)
                // act: the first backfill (a year asked, WeChat's 90 days kept), then the same again
                // The account's connector as the kind makes it, without the pause between calls; through the guard.
                let credentials = try AccountService(db: t.db, app: t.app).credentials(of: account)
                let connector = {
                    WeChatConnector(
                        appID: "wx1234567890abcdef", readOriginalURL: nil, coverMediaID: nil, credentials: credentials,
                        apiBase: URL(string: stub.baseURL)!, transport: t.app.connectorTransport, historySpacing: 0, clock: { now })
                }
                _ = try await MetricHistoryService.backfill(account, days: 365, app: t.app, connector: connector(), now: now)
                let first = try await Self.days(t, account.id!)
                _ = try await MetricHistoryService.backfill(account, days: 365, app: t.app, connector: connector(), now: now)
                let again = try await Self.days(t, account.id!)
                // check
                #expect(first.count == 90 && first.last.map { $0.day < today } == true, "\(first.count) days, the last \(first.last?.day ?? "")")
                #expect(first.allSatisfy { $0.source == "backfill" && $0.followers == Self.followers($0.day) && $0.writes == 1 })
                #expect(again.map(\.writes) == first.map(\.writes), "a second run writes no day twice")
                let calls = stub.hits.filter { $0.path.hasPrefix("/datacube/") }
                #expect(calls.count == 2 * 2 * 13, "13 weeks a run, two interfaces each: \(calls.count)")
                #expect(try await MetricsPass.unfilled(workspaceID: ws.id!, on: t.db).isEmpty)
                #expect(try await MetricsPass.gaps(workspaceID: ws.id!, on: t.db, now: now).isEmpty, "no day missing")

                // A gap: three days lost in the middle are asked for again, and only they are written.
                let sql = t.db as! any SQLDatabase
                let lost = [MetricDay.adding(-20, to: today), MetricDay.adding(-19, to: today), MetricDay.adding(-10, to: today)]
                try await sql.raw("DELETE FROM account_metric_days WHERE account_id = \(bind: account.id!) AND day IN (\(binds: lost))").run()
                let gaps = try await MetricsPass.gaps(workspaceID: ws.id!, on: t.db, now: now)
                #expect(gaps.map(\.account) == [account.id!] && gaps.first?.days == 21, "\(gaps)")
                try await MetricsPass.run(Job(), t.app)
                try await MetricsPass.run(Job(), t.app)
                let queued = try await Job.query(on: t.db).filter(\.$kind == MetricsBackfill.kind.name).all()
                #expect(queued.count == 1, "one gap fill a day, however often the pass runs")
                _ = try await MetricHistoryService.backfill(account, days: gaps[0].days, app: t.app, connector: connector(), now: now)
                let filled = try await Self.days(t, account.id!)
                #expect(filled.count == 90 && filled.allSatisfy { $0.writes == 1 }, "the lost days back, nothing written twice")
                #expect(Set(filled.map(\.day)).isSuperset(of: lost))
                #expect(try await MetricsPass.gaps(workspaceID: ws.id!, on: t.db, now: now).isEmpty)
            }
        }
    }
}
