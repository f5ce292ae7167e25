import FanfareCore
import Fluent
import Vapor

/// Incidents (issue 20 scope 4): a crisis run to its clocks, with its
/// people, a timeline that records itself, the playbook, holding
/// statements through a fast review, the publishing hold, status updates
/// and the review afterwards (docs/listening.md § Incidents). 互动 → 危机事件.
struct IncidentsFeature: Feature {
    var name: String { "incidents" }

    var migrations: [ShippedMigration] { [ShippedMigration(16, CreateIncidents())] }

    func routes(_ routes: FeatureRoutes) throws {
        IncidentsAPI().bootScoped(routes.workspaceAPI)
        IncidentsPages().bootScoped(routes.workspacePages)
    }

    var jobs: [JobRegistration] {
        [JobRegistration(IncidentReminders.kind, run: .single(IncidentReminders.run), schedule: .every(IncidentReminders.period))]
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        AlertGrade.allCases.map { "incidents.severity.\($0.rawValue)" } + IncidentState.allCases.map { "incidents.state.\($0.rawValue)" }
            + IncidentState.allCases.map { "incidents.move.\($0.rawValue)" }
            + IncidentRole.allCases.map { "incidents.role.\($0.rawValue)" } + IncidentClock.allCases.map { "incidents.clock.\($0.rawValue)" }
            + ["running", "met", "missed", "not_needed", "escalated"].map { "incidents.clock_state.\($0)" }
            + IncidentPlaybook.steps.map { "incidents.step.\($0.id)" } + IncidentPlaybook.Phase.allCases.map { "incidents.phase.\($0.rawValue)" }
            + IncidentEntry.Kind.allCases.map { "incidents.entry.\($0.rawValue)" } + [
                "incidents.entry.post_published", "incidents.entry.reply_published",
            ]
            + ["first_response.before", "first_response.due", "resolution.before", "resolution.due", "escalation.before", "escalation.due"].map {
                "incidents.notice.\($0)"
            } + IncidentService.UpdateAudience.allCases.map { "incidents.audience.\($0.rawValue)" }
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.engagement, order: 45, path: "/incidents", label: "nav.incidents", permission: .inboxView)]
    }
}
