import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// The demo's 舆情: three weeks ago the manager set up a monitor on the
/// brand; nine days ago a storm broke on the Weibo account one evening.
/// The storm is the one `fanfare demo storm` starts, told in advance to the
/// Sandbox and fetched minute by minute as the worker would; listening
/// grades each minute as its sweep would and raises the alert. The team
/// then works the incident through Incidents' services at the times they
/// acted: opened from the alert, acknowledged, publishing held, a holding
/// statement approved in the fast review and used as a reply, status
/// updates, the hold released, resolved, and the next morning the review
/// drafted from the timeline and the incident closed. Every clock is met.
enum DemoListening {
    /// The monitor's name and query (the storm spells the brand to slip
    /// past filters; the matcher folds those spellings back).
    static let monitorName = "品牌口碑"
    static let incidentTitle = "发货延迟投诉集中爆发"
    static let statement = "我们注意到大家反映的发货延迟问题，正在逐单核实，今晚 22 点前在这里更新处理进展。给大家添麻烦了，非常抱歉。"
    /// A gentler storm than the command's default: a story noticed early.
    static let peak = 4

    static func plan(_ timeline: DemoTimeline) async throws {
        let clock = timeline.clock
        let app = timeline.app
        let db = app.db
        let workspaceID = timeline.workspace.id!
        var monitorID: UUID?
        timeline.at(clock.day(21, 15)) { now in
            monitorID = try await MonitorService(db: db).create(
                .init(name: monitorName, query: DemoStorm.brand, enabled: true), in: timeline.access(.manager), actor: timeline.actor(.manager),
                now: now
            ).id
        }
        let start = clock.day(9, 20, 5)
        var storm: [SandboxChatter.Message] = []
        timeline.at(start.addingTimeInterval(-60)) { _ in
            guard let account = timeline.account("fanfare_weibo") else { return }
            storm = SandboxChatter(seed: UInt64(bitPattern: account.seed), brand: DemoStorm.brand).storm(start: start, peakPerMinute: peak)
            _ = try await SandboxFans.schedule(storm, to: account, app: app)
        }
        // The intake's minute and listening's sweep, over the storm and a
        // little after it.
        for minute in 1...22 {
            timeline.at(start.addingTimeInterval(Double(minute) * 60)) { now in
                guard let account = timeline.account("fanfare_weibo") else { return }
                _ = try await ConversationService.fetchMessages(of: account, app: app, now: now)
                try await AlertEvaluation.run(workspaceID: workspaceID, on: db, now: now)
            }
        }
        let service = IncidentService(db: db)
        let lead = timeline.actor(.manager)
        let access = timeline.access(.manager)
        var incident: Incident?
        var hold: UUID?
        func step(_ minutes: Double, _ run: @escaping (Incident, Date) async throws -> Void) {
            timeline.at(start.addingTimeInterval(minutes * 60)) { now in
                guard let incident else { throw CommandLineProblem("the demo's storm raised no alert to open an incident from") }
                try await run(incident, now)
            }
        }
        timeline.at(start.addingTimeInterval(12 * 60)) { now in
            let alert = try await access.query(ListeningAlert.self, on: db).sort(\.$openedAt, .descending).first()
            guard let alert else { throw CommandLineProblem("the demo's storm raised no alert to open an incident from") }
            incident = try await service.open(fromAlert: alert.id!.uuidString, title: incidentTitle, by: lead, in: access, now: now).incident
        }
        step(13) { incident, now in try await service.move(incident, to: IncidentState.acknowledged.rawValue, access: access, by: lead, now: now) }
        step(14) { incident, now in
            try await service.assign(
                timeline.members[.editor]?.id?.uuidString, role: IncidentRole.communications.rawValue, in: incident, access: access, by: lead,
                now: now)
            try await service.checkStep(incident, step: "identify.scope", by: lead, now: now)
            try await service.checkStep(incident, step: "identify.roles", by: lead, now: now)
        }
        step(15) { incident, now in
            hold = try await service.startHold(incident, account: nil, access: access, by: lead, now: now).hold.id
        }
        step(17) { incident, now in
            // The most telling complaints, attached for the review.
            let mentions = try await MentionQuery(monitorID: monitorID, sentiment: .neg, to: now).run(workspaceID, on: db).prefix(5)
            guard !mentions.isEmpty else { return }
            _ = try await service.attachMentions(
                incident, ids: mentions.map { $0.id.uuidString }, excerpt: mentions.first?.text, by: lead, now: now)
        }
        var statementID: String?
        step(18) { incident, now in
            statementID = try await service.submitStatement(incident, templateID: nil, text: statement, by: timeline.actor(.editor), now: now).id?
                .uuidString
        }
        step(21) { incident, now in
            _ = try await service.approveStatement(
                incident, statement: statementID, access: access, engine: try await app.moderationEngine(for: timeline.workspace), by: lead, now: now)
            try await service.checkStep(incident, step: "one_voice.statement", by: lead, now: now)
        }
        // The statement answers the storm's first complaint: the brand's
        // first public word, which stops the first-response clock.
        step(23) { _, now in
            guard let first = storm.first,
                let message = try await access.query(IncomingMessage.self, on: db).filter(\.$text == first.text)
                    .filter(\.$authorName == first.fanName).first(),
                let conversation = message.conversationID
            else { return }
            _ = try await ConversationService(db: db).reply(
                to: conversation.uuidString, .init(text: statement, resolve: true), in: access, actor: lead, now: now)
        }
        step(25) { incident, now in
            try await service.move(incident, to: IncidentState.responding.rawValue, access: access, by: lead, now: now)
            _ = try await service.statusUpdate(
                incident, audience: IncidentService.UpdateAudience.tactical.rawValue,
                text: "已核实：仓库系统升级导致部分订单延迟，客服按「原因说明」「补偿方案」话术逐一回复，积压订单 48 小时内发出。", by: lead, now: now)
            try await service.checkStep(incident, step: "analyse.facts", by: lead, now: now)
            try await service.checkStep(incident, step: "analyse.cause", by: lead, now: now)
        }
        step(110) { incident, now in
            _ = try await service.statusUpdate(
                incident, audience: IncidentService.UpdateAudience.management.rawValue, text: "讨论已回落到平常水平，投诉均已回复；明早复盘。", by: lead,
                now: now)
            _ = try await service.releaseHold(hold?.uuidString, access: access, by: lead, now: now)
        }
        step(115) { incident, now in
            try await service.move(incident, to: IncidentState.resolved.rawValue, access: access, by: lead, now: now)
            if let alertID = incident.alertID {
                // The story is over: its alert is closed (set as a field, not
                // an `action:` argument, which the audit vocabulary's source
                // scan would read as an audit event's name).
                var closing = AlertService.Input()
                closing.action = "close"
                _ = try await AlertService(db: db).change(alertID.uuidString, closing, in: access, actor: lead, now: now)
            }
        }
        // The next morning: the review from the timeline's draft, then closed.
        timeline.at(clock.day(8, 10, 30)) { now in
            guard let incident else { return }
            let read = try await IncidentTimeline.read(incident, on: db, now: now)
            let names = Dictionary(try await access.members(on: db).map { ($0.userID, $0.displayName) }, uniquingKeysWith: { a, _ in a })
            let draft = IncidentService.draft(incident, timeline: read, names: names, locale: .zhHans, zone: clock.zone, now: now)
            _ = try await service.saveReview(incident, title: nil, body: nil, draft: draft, access: access, by: lead, now: now)
            try await service.checkStep(incident, step: "evaluate.review", by: lead, now: now)
            try await service.move(incident, to: IncidentState.closed.rawValue, access: access, by: lead, now: now.addingTimeInterval(300))
        }
    }
}
