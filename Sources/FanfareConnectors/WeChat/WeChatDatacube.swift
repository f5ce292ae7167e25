import FanfareCore
import Foundation

/// The account's past followers from the statistics interfaces (数据统计,
/// `datacube`): `getusercumulate` (followers at the end of each day) and
/// `getusersummary` (new and lost followers per day and channel), at most
/// 7 days a call, yesterday at the latest. WeChat counts days in Beijing
/// time, so the days are China's whatever `timeZone` the caller asks for
/// (docs/analytics.md, "History backfill").
///
/// Calls go newest week first, `historySpacing` seconds apart; a week
/// WeChat answers with `61501` (date range error: before what it keeps)
/// ends the walk with what was read. Article statistics
/// (`getarticlesummary`, `getarticletotal`) are not read: they cover
/// mass-sent (群发) articles only, and Fanfare publishes through the
/// publishing API (see `metrics(of:)`).
extension WeChatConnector {
    /// Beijing time, in which WeChat's statistics name their days.
    static let statisticsZone = TimeZone(identifier: "Asia/Shanghai")!
    /// Days one datacube user call may span (`end_date - begin_date` < 7).
    static let datacubeSpan = 7

    public func accountHistory(days: Int, timeZone: TimeZone) async throws(ConnectorError) -> [AccountHistoryDay] {
        let count = max(0, days)
        guard count > 0 else { return [] }
        let now = clock()
        let yesterday = MetricDay.adding(-1, to: MetricDay.of(now, in: Self.statisticsZone))
        let first = MetricDay.adding(-(count - 1), to: yesterday)
        var byDay: [String: AccountHistoryDay] = [:]
        var end = yesterday
        var calls = 0
        while end >= first {
            let begin = max(first, MetricDay.adding(-(Self.datacubeSpan - 1), to: end))
            let range = WeChatDateRange(beginDate: begin, endDate: end)
            let cumulate: WeChatUserList<WeChatUserCumulate>
            let summary: WeChatUserList<WeChatUserSummary>
            do {
                if calls > 0 { try await pause() }
                cumulate = try await read("datacube/getusercumulate", range, as: WeChatUserList<WeChatUserCumulate>.self)
                try await pause()
                summary = try await read("datacube/getusersummary", range, as: WeChatUserList<WeChatUserSummary>.self)
                calls += 2
            } catch .rejected(let reason) where reason.contains("errcode 61501") && calls > 0 {
                // Older than WeChat keeps: what was read is the history.
                break
            }
            var changes: [String: (new: Int, lost: Int)] = [:]
            for row in summary.list ?? [] {
                var change = changes[row.refDate] ?? (0, 0)
                change.new += row.newUser ?? 0
                change.lost += row.cancelUser ?? 0
                changes[row.refDate] = change
            }
            for row in cumulate.list ?? [] where row.refDate >= begin && row.refDate <= end && MetricDay.parse(row.refDate) != nil {
                let change = changes[row.refDate]
                byDay[row.refDate] = AccountHistoryDay(
                    day: row.refDate, followers: row.cumulateUser,
                    platformValues: PlatformValues.of([
                        ("cumulate_user", row.cumulateUser), ("new_user", change?.new), ("cancel_user", change?.lost),
                    ]))
            }
            end = MetricDay.adding(-1, to: begin)
        }
        return byDay.keys.sorted().map { byDay[$0]! }
    }

    func pause() async throws(ConnectorError) {
        guard historySpacing > 0 else { return }
        do {
            try await Task.sleep(nanoseconds: UInt64(historySpacing * 1_000_000_000))
        } catch {
            throw .temporary(reason: "Fanfare stopped reading WeChat's statistics; it will try again")
        }
    }
}

/// `{"begin_date": "2026-11-16", "end_date": "2026-11-22"}`.
struct WeChatDateRange: Encodable {
    let beginDate: String
    let endDate: String
}

struct WeChatUserList<Row: Decodable>: Decodable {
    let list: [Row]?
}

/// One `getusercumulate` day: followers at its end.
struct WeChatUserCumulate: Decodable {
    let refDate: String
    let cumulateUser: Int?
}

/// One `getusersummary` row: a day and channel (`user_source`) with its
/// new and lost followers.
struct WeChatUserSummary: Decodable {
    let refDate: String
    let userSource: Int?
    let newUser: Int?
    let cancelUser: Int?
}
