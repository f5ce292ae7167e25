import FanfareCore
import Fluent
import Vapor

/// The workspace's own history as a weekday × hour map of engagement
/// rates (Core's `BestTimeMap`, with its minimum-sample guard), offered
/// when scheduling.
enum BestTimes {
    static func map(in access: WorkspaceAccess, on db: any Database) async throws -> BestTimeMap {
        let variants = try await access.query(PostVariant.self, on: db).filter(\.$state == PostVariant.State.published.rawValue)
            .sort(\.$publishedAt, .descending).limit(5_000).all()
        let ids = variants.compactMap(\.id)
        var latest: [UUID: MetricSnapshot] = [:]
        if !ids.isEmpty {
            // The 7-day snapshot is the fairest comparison; younger posts
            // count with what they have.
            let rank = ["latest": 0, "3d": 1, "7d": 2, "30d": 1]
            for snapshot in try await MetricSnapshot.query(on: db).filter(\.$variant.$id ~~ ids).all() {
                let id = snapshot.$variant.id
                if let kept = latest[id], rank[kept.label, default: 0] >= rank[snapshot.label, default: 0] { continue }
                latest[id] = snapshot
            }
        }
        let samples = variants.compactMap { variant -> EngagementSample? in
            guard let at = variant.publishedAt, let numbers = latest[variant.id!] else { return nil }
            return EngagementSample(publishedAt: at, impressions: numbers.impressions, engagements: numbers.likes + numbers.comments + numbers.shares)
        }
        return BestTimeMap.compute(samples: samples, timeZone: access.workspace.zone)
    }
}

struct BestTimesAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("best-times", use: show)
    }

    struct BestTimesDTO: Content {
        var timeZone: String
        var minimumSamples: Int
        var cells: [BestTimeCell]
        var suggestions: [BestTimeCell]
    }

    @Sendable func show(req: Request) async throws -> BestTimesDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let map = try await BestTimes.map(in: access, on: req.db)
        return BestTimesDTO(timeZone: access.workspace.timeZone, minimumSamples: map.minimumSamples, cells: map.cells, suggestions: map.suggestions())
    }
}

/// The heat map and the suggestion as page fragments.
enum BestTimeViews {
    static func heatMap(_ ctx: PageContext, _ map: BestTimeMap) -> HTML {
        let best = map.cells.compactMap(\.rate).max() ?? 0
        let header = (0..<24).map { hour -> HTML in "<th>\(hour)</th>" }
        let rows = (1...7).map { weekday -> HTML in
            let cells = (0..<24).map { hour -> HTML in
                let cell = map.cell(weekday: weekday, hour: hour)
                guard let cell, let rate = cell.rate else {
                    let count = cell?.samples ?? 0
                    return "<td class=\"few\" title=\"\(ctx.t("besttime.too_few", String(count)))\">\(count > 0 ? "·" : "")</td>"
                }
                let strength = best > 0 ? Int((rate / best * 100).rounded()) : 0
                return
                    "<td style=\"--heat: \(strength)%\" title=\"\(String(format: "%.1f", rate * 100)) % · \(cell.samples)\">\(String(format: "%.1f", rate * 100))</td>"
            }
            return "<tr><th>\(ctx.t("weekday.\(weekday)"))</th>\(cells)</tr>"
        }
        return """
            <section class="card" id="best-times"><h2>\(ctx.t("besttime.title"))</h2>
            <p class="muted">\(ctx.t("besttime.explain", String(map.minimumSamples)))</p>
            <div class="scroll"><table class="heatmap"><thead><tr><th></th>\(header)</tr></thead><tbody>\(rows)</tbody></table></div></section>
            """
    }
}
