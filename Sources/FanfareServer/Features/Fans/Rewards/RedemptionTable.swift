import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Redemptions with their fan and the buttons that close a pending one, as
/// the rewards list, a reward's page and a fan's page show them.
enum RedemptionTable {
    struct Found: Sendable, Equatable {
        var id: UUID
        var at: Date
        var fanID: UUID
        var fanName: String
        var fanErased: Bool
        var reward: String
        var points: Int
        var status: String
        var note: String
    }

    struct Row: Sendable, Equatable {
        var id: String
        var at: Date
        var fanHref: String
        var fan: Wording
        var reward: String
        var points: String
        var status: String
        var statusCode: String
        var tone: Badge.Tone
        var note: String
        /// Pending, and the reader may fulfil or cancel it.
        var closable: Bool
    }

    /// The redemptions' fans, read in one query.
    static func query(_ redemptions: [RewardRedemption], on db: any Database) async throws -> [Found] {
        let fanIDs = Array(Set(redemptions.map { $0.$fan.id }))
        let fans = fanIDs.isEmpty ? [] : try await Fan.query(on: db).filter(\.$id ~~ fanIDs).all()
        let byID = Dictionary(uniqueKeysWithValues: fans.map { ($0.id!, $0) })
        return redemptions.map { redemption in
            let fan = byID[redemption.$fan.id]
            return Found(
                id: redemption.id!, at: redemption.createdAt, fanID: redemption.$fan.id, fanName: fan?.displayName ?? "",
                fanErased: fan?.erasedAt != nil,
                reward: redemption.reward.name, points: redemption.points, status: redemption.status, note: redemption.note)
        }
    }

    /// The newest redemptions of a status or a reward (or both) with their
    /// rewards' and fans' names, as plain rows in one statement: what
    /// `Redemptions.list` and `query` read as three statements of models.
    static func read(
        status: String? = nil, rewardID: UUID? = nil, limit: Int, in access: WorkspaceAccess, on sql: any SQLDatabase
    ) async throws -> [Found] {
        var conditions: [SQLQueryString] = ["x.workspace_id = \(bind: access.workspaceID)"]
        if let status { conditions.append("x.status = \(bind: status)") }
        if let rewardID { conditions.append("x.reward_id = \(bind: rewardID)") }
        let text = SQLRows.uuidsAsText(sql)
        return try await sql.raw(
            """
            SELECT x.id, x.created_at, x.fan_id, f.display_name, f.erased_at, w.name, x.points, x.status, x.note \
            FROM redemptions x JOIN rewards w ON w.id = x.reward_id LEFT JOIN fans f ON f.id = x.fan_id \
            WHERE \(SQLList(conditions, separator: SQLRaw(" AND "))) ORDER BY x.id DESC LIMIT \(literal: limit)
            """
        ).all().map { row in
            Found(
                id: try SQLRows.uuid(row, "id", asText: text), at: try row.decode(column: "created_at", as: Date.self),
                fanID: try SQLRows.uuid(row, "fan_id", asText: text), fanName: try row.decode(column: "display_name", as: String?.self) ?? "",
                fanErased: try row.decode(column: "erased_at", as: Date?.self) != nil, reward: try row.decode(column: "name", as: String.self),
                points: try row.decode(column: "points", as: Int.self), status: try row.decode(column: "status", as: String.self),
                note: try row.decode(column: "note", as: String.self))
        }
    }

    static func tone(_ status: String) -> Badge.Tone {
        switch RewardRedemption.Status(rawValue: status) {
        case .pending: .warning
        case .fulfilled: .success
        case .cancelled, nil: .neutral
        }
    }

    static func rows(_ found: [Found], viewer: FanViewer, slug: String, locale: UILocale) -> [Row] {
        found.map { redemption in
            let known = RewardRedemption.Status(rawValue: redemption.status) != nil
            return Row(
                id: redemption.id.uuidString.lowercased(), at: redemption.at, fanHref: "/w/\(slug)/fans/\(redemption.fanID.uuidString.lowercased())",
                fan: FanWords.name(redemption.fanName, id: redemption.fanID, erased: redemption.fanErased, viewer: viewer, locale),
                reward: redemption.reward, points: Formats.count(redemption.points, locale),
                status: known ? I18n.text("rewards.status." + redemption.status, locale) : redemption.status, statusCode: redemption.status,
                tone: tone(redemption.status), note: redemption.note,
                closable: viewer.manage && redemption.status == RewardRedemption.Status.pending.rawValue)
        }
    }

    static func view(_ rows: [Row], _ ctx: PageContext, id: String, slug: String, empty: String) -> HTML {
        guard !rows.isEmpty else { return "<div class=\"empty-state\" id=\"\(id)\"><p>\(empty)</p></div>" }
        let body = rows.map { row -> HTML in
            let actions: HTML =
                row.closable
                ? """
                <form method="post" action="/w/\(slug)/redemptions/\(row.id)/fulfil" class="inline">\(ctx.csrfField)<button type="submit" class="fulfil-redemption">\(ctx.t("rewards.fulfil"))</button></form> \
                <form method="post" action="/w/\(slug)/redemptions/\(row.id)/cancel" class="inline">\(ctx.csrfField)<button type="submit" class="link cancel-redemption">\(ctx.t("rewards.cancel"))</button></form>
                """
                : .empty
            return """
                <tr class="redemption-row"><td>\(Layout.time(row.at, ctx))</td><td><a href="\(row.fanHref)">\(row.fan.html)</a></td>\
                <td translate="no">\(row.reward)</td><td>\(row.points)</td>\
                <td class="redemption-status">\(Badge.html(row.status, tone: row.tone, data: [("code", row.statusCode)]))</td>\
                <td translate="no">\(row.note)</td><td>\(actions)</td></tr>
                """
        }
        return """
            <div class="table-scroll"><table id="\(id)"><thead><tr><th>\(ctx.t("fans.at"))</th><th>\(ctx.t("fans.name"))</th><th>\(ctx.t("rewards.name"))</th>\
            <th>\(ctx.t("rewards.cost"))</th><th>\(ctx.t("rewards.status"))</th><th>\(ctx.t("rewards.note"))</th><th></th></tr></thead><tbody>\(body)</tbody></table></div>
            """
    }
}
