import FanfareCore
import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Each workspace's grading rule and the version of its monitors.
enum ListeningSettings {
    /// Every change of a monitor bumps it, in the change's transaction.
    static func bumpMonitors(_ workspaceID: UUID, now: Date, in db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw(
            """
            INSERT INTO listening_settings (workspace_id, grading, monitors_version, updated_at) VALUES (\(bind: workspaceID), NULL, 1, \(bind: now))
            ON CONFLICT (workspace_id) DO UPDATE SET monitors_version = listening_settings.monitors_version + 1, updated_at = excluded.updated_at
            """
        ).run()
    }

    /// 0 when the workspace never had a monitor.
    static func monitorsVersion(_ workspaceID: UUID, on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { return 0 }
        return try await sql.raw("SELECT monitors_version FROM listening_settings WHERE workspace_id = \(bind: workspaceID)").first()?
            .decode(column: "monitors_version", as: Int.self) ?? 0
    }

    /// The workspace's rule, else Core's defaults.
    static func grading(_ workspaceID: UUID, on db: any Database) async throws -> AlertGradingRule {
        guard let sql = db as? any SQLDatabase,
            let text = try await sql.raw("SELECT grading FROM listening_settings WHERE workspace_id = \(bind: workspaceID)").first()?
                .decode(column: "grading", as: String?.self),
            let rule = try? JSONDecoder().decode(AlertGradingRule.self, from: Data(text.utf8))
        else { return AlertGradingRule() }
        return rule
    }

    static func setGrading(_ rule: AlertGradingRule, in access: WorkspaceAccess, actor: Actor, now: Date = Date(), on db: any Database) async throws {
        try access.require(.inboxRulesManage)
        let checked = try rule.validated()
        let before = try await grading(access.workspaceID, on: db)
        let text = String(decoding: try JSONEncoder().encode(checked), as: UTF8.self)
        try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { return }
            try await sql.raw(
                """
                INSERT INTO listening_settings (workspace_id, grading, monitors_version, updated_at) VALUES (\(bind: access.workspaceID), \(bind: text), 0, \(bind: now))
                ON CONFLICT (workspace_id) DO UPDATE SET grading = excluded.grading, updated_at = excluded.updated_at
                """
            ).run()
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "listening.grading_updated", targetType: "listening_grading",
                targetID: access.workspaceID, before: summary(before), after: summary(checked), now: now)
        }
    }

    static func summary(_ rule: AlertGradingRule) -> [String: String] {
        var out: [String: String] = [
            "window_minutes": "\(rule.windowMinutes)", "speed_ratio": "\(rule.speedRatio)", "share_rise": "\(rule.shareRise)",
        ]
        for grade in AlertGrade.allCases {
            let step = rule.step(grade)
            out[grade.rawValue] = "×\(step.volumeRatio) ≥\(step.mentions) neg≥\(step.negativeShare) (\(step.negatives))"
        }
        return out
    }
}

/// A workspace's enabled monitors compiled once: the matcher and what it
/// does not check itself (the kinds of source each monitor hears).
struct CompiledMonitors: Sendable {
    let matcher: MonitorMatcher
    let sources: [UUID: Set<ListeningSource>]

    /// The monitors that hear `text` from `platform`, through `source`
    /// (an account, when the mention came through one) of kind `kind`.
    func match(_ text: String, platform: String, source: UUID?, kind: ListeningSource) -> [UUID] {
        matcher.match(text, platform: platform, source: source).filter { sources[$0].map { $0.isEmpty || $0.contains(kind) } ?? false }
    }
}

/// Compiled monitors per workspace, kept for the process's lifetime.
/// Each use reads the workspace's monitors version (one primary-key
/// read) and rebuilds when it moved: a change made on another node is
/// seen at its next batch. Bounded: past `bound` workspaces the least
/// recently used one is dropped.
final class MonitorMatcherCache: Sendable {
    static let shared = MonitorMatcherCache()
    static let bound = 500

    private struct Entry {
        var version: Int
        var compiled: CompiledMonitors?
        var usedAt: UInt64
    }

    private let entries = NIOLockedValueBox<(map: [UUID: Entry], clock: UInt64)>((map: [:], clock: 0))

    /// nil when the workspace has no enabled monitor.
    func compiled(for workspaceID: UUID, on db: any Database) async throws -> CompiledMonitors? {
        let version = try await ListeningSettings.monitorsVersion(workspaceID, on: db)
        guard version > 0 else { return nil }
        let cached: Entry?? = entries.withLockedValue { state in
            guard var entry = state.map[workspaceID], entry.version == version else { return nil }
            state.clock += 1
            entry.usedAt = state.clock
            state.map[workspaceID] = entry
            return .some(entry)
        }
        if let cached, let entry = cached { return entry.compiled }
        let monitors = try await ListeningMonitor.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$enabled == true).sort(\.$id).all()
        let definitions = monitors.compactMap(\.definition)
        let compiled =
            definitions.isEmpty
            ? nil
            : CompiledMonitors(
                matcher: MonitorMatcher(definitions),
                sources: Dictionary(uniqueKeysWithValues: monitors.map { ($0.id!, Set($0.sourceKinds)) }))
        entries.withLockedValue { state in
            state.clock += 1
            if state.map[workspaceID] == nil, state.map.count >= Self.bound,
                let oldest = state.map.min(by: { $0.value.usedAt < $1.value.usedAt })?.key
            {
                state.map[oldest] = nil
            }
            // A slower rebuild of an older version never replaces a newer one.
            if let known = state.map[workspaceID], known.version > version { return }
            state.map[workspaceID] = Entry(version: version, compiled: compiled, usedAt: state.clock)
        }
        return compiled
    }
}
