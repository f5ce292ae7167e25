import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What other features may ask of fan analytics: one fan's purchases as
/// the funnel and the repurchase rate count them (the fan page shows them
/// beside the fan's lifetime value).
enum FanPurchases {
    struct Summary: Sendable, Equatable {
        var purchases = 0
        var refunds = 0
        /// Purchases minus refunds, in fen, over the fan's whole history.
        var netFen: Int64 = 0
        /// The purchases that stand (`PurchaseCounting.kept`).
        var kept: Int { PurchaseCounting.kept(purchases: purchases, refunds: refunds, netFen: netFen) }
        var repeatBuyer: Bool { kept >= 2 }
    }

    /// The fan's purchases and refunds, with those of the fans merged into it.
    static func of(_ fanID: UUID, workspaceID: UUID, on db: any Database) async throws -> Summary {
        guard let sql = db as? any SQLDatabase else { return Summary() }
        let row = try await sql.raw(
            """
            SELECT CAST(COALESCE(SUM(CASE WHEN type = 'purchase' THEN 1 ELSE 0 END), 0) AS BIGINT) AS purchases,
            CAST(COALESCE(SUM(CASE WHEN type = 'refund' THEN 1 ELSE 0 END), 0) AS BIGINT) AS refunds,
            CAST(COALESCE(SUM(CASE WHEN type = 'purchase' THEN amount_fen ELSE -amount_fen END), 0) AS BIGINT) AS net
            FROM conversion_events WHERE workspace_id = \(bind: workspaceID) AND type IN ('purchase', 'refund')
            AND (fan_id = \(bind: fanID) OR fan_id IN (SELECT id FROM fans WHERE workspace_id = \(bind: workspaceID) AND merged_into = \(bind: fanID)))
            """
        ).first()
        guard let row else { return Summary() }
        return Summary(
            purchases: try row.decode(column: "purchases", as: Int.self), refunds: try row.decode(column: "refunds", as: Int.self),
            netFen: try row.decode(column: "net", as: Int64.self))
    }
}
