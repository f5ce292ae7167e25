import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Experiments from draft to decision. A link experiment splits its
/// tracked link's visitors between the arms' destinations by weight while
/// it runs (Conversions keeps the split, sticky per visitor); ending it
/// records the decision with the read-out as it stood and sends every
/// visitor to the winner's destination.
struct ExperimentService {
    let db: any Database

    struct ArmInput: Content {
        var name: String?
        var weight: Double?
        var destination: String?
    }

    struct Input: Content {
        var name: String?
        var hypothesis: String?
        var varies: String?
        var assignment: String?
        var metric: String?
        var conversionType: String?
        var inverse: Bool?
        var linkId: String?
        var arms: [ArmInput]?
    }

    struct EndInput: Content {
        /// The arm chosen (nil: keep the control, no winner).
        var winnerArmId: String?
        var decision: String?
    }

    static let maxPerWorkspace = 200

    func list(in access: WorkspaceAccess) async throws -> [Experiment] {
        try access.require(.analyticsView)
        return try await access.query(Experiment.self, on: db).sort(\.$createdAt, .descending).limit(Self.maxPerWorkspace).all()
    }

    func find(_ rawID: String?, in access: WorkspaceAccess) async throws -> Experiment {
        try access.require(.analyticsView)
        return try await access.find(Experiment.self, rawID, on: db, what: "Experiment")
    }

    func arms(of experiment: Experiment) async throws -> [ExperimentArm] {
        try await ExperimentArm.query(on: db).filter(\.$experimentID == experiment.id!).filter(\.$workspace.$id == experiment.$workspace.id)
            .sort(\.$position).all()
    }

    func create(_ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Experiment {
        try access.require(.contentEdit)
        var errors = ValidationErrors()
        let name = (input.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 120 { errors.add("name", .lengthBetween(min: 1, max: 120)) }
        let hypothesis = (input.hypothesis ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if hypothesis.isEmpty || hypothesis.count > 1_000 { errors.add("hypothesis", .lengthBetween(min: 1, max: 1_000)) }
        func choice<E: RawRepresentable & CaseIterable>(_ field: String, _ raw: String?, _: E.Type, default fallback: E? = nil) -> E?
        where E.RawValue == String {
            let choices = E.allCases.map(\.rawValue)
            guard let raw, !raw.isEmpty else {
                if fallback == nil { errors.add(field, .isRequiredOneOf(choices: choices)) }
                return fallback
            }
            guard let value = E(rawValue: raw) else {
                errors.add(field, .unknownValue(value: raw, choices: choices))
                return nil
            }
            return value
        }
        let varies = choice("varies", input.varies, Experiment.Varies.self)
        let assignment = choice("assignment", input.assignment, Experiment.Assignment.self, default: .link)
        let metric = choice("metric", input.metric, Experiment.Metric.self, default: .conversion)
        let type = choice("conversion_type", input.conversionType, ConversionType.self, default: .purchase)
        let arms = input.arms ?? []
        _ = errors.collect { () throws(ValidationErrors) in
            try ExperimentArms.validate(names: arms.map { $0.name ?? "" }, weights: arms.map { $0.weight ?? 1 })
        }
        var link: ShortLink?
        do {
            link = try await LinkService(db: db).enabledLink(input.linkId, field: "link_id", in: access)
        } catch let refused as ValidationErrors {
            errors.issues += refused.issues
        }
        var destinations: [String] = []
        if let link {
            for (index, arm) in arms.enumerated() {
                switch LinkService.destinationWithUTM(arm.destination, of: link) {
                case .success: destinations.append((arm.destination ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
                case .failure(let coded): errors.add("arms[\(index)].destination", coded)
                }
            }
        }
        try errors.throwIfAny()
        guard let link, let varies, let assignment, let metric, let type else { throw errors }
        let chosen = destinations
        let count = try await access.query(Experiment.self, on: db).count()
        guard count < Self.maxPerWorkspace else {
            throw Problem(
                .conflict, "This workspace keeps at most \(Self.maxPerWorkspace) experiments; delete finished ones first.", type: "conflict")
        }
        let experiment = Experiment()
        experiment.id = TimeOrderedID.make(at: now)
        experiment.$workspace.id = access.workspaceID
        experiment.name = name
        experiment.hypothesis = hypothesis
        experiment.varies = varies.rawValue
        experiment.assignment = assignment.rawValue
        experiment.metric = metric.rawValue
        experiment.conversionType = type.rawValue
        experiment.inverse = input.inverse ?? false
        experiment.state = Experiment.State.draft.rawValue
        experiment.linkID = link.id!
        experiment.createdBy = actor.userID
        experiment.createdAt = now
        try await db.writeTransaction { tx in
            try await experiment.create(on: tx)
            for (index, arm) in arms.enumerated() {
                let row = ExperimentArm()
                row.id = TimeOrderedID.make(at: now)
                row.$workspace.id = access.workspaceID
                row.experimentID = experiment.id!
                row.position = index
                row.name = (arm.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                row.weight = arm.weight ?? 1
                row.destination = chosen[index]
                try await row.create(on: tx)
            }
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "experiment.created", targetType: "experiment",
                targetID: experiment.id, after: ["name": name, "arms": "\(arms.count)"], now: now)
        }
        return experiment
    }

    /// Draft → running: the link starts splitting its visitors. A link
    /// split by another running experiment is refused (409), also when two
    /// starts race (the unique running link decides).
    func start(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, cache: LinkCache, now: Date = Date()) async throws -> Experiment {
        try access.require(.contentEdit)
        let experiment = try await find(rawID, in: access)
        guard experiment.state == Experiment.State.draft.rawValue else {
            throw Problem(.conflict, "Only a draft experiment can be started; this one is \(experiment.state).", type: "conflict")
        }
        let links = LinkService(db: db)
        let link = try await links.enabledLink(experiment.linkID.uuidString, field: "link_id", in: access)
        let arms = try await arms(of: experiment)
        var split = LinkSplit(key: experiment.id!.uuidString.lowercased(), arms: [])
        for arm in arms {
            guard case .success(let withUTM) = LinkService.destinationWithUTM(arm.destination, of: link) else { continue }
            split.arms.append(LinkSplit.Arm(id: arm.id!, weight: arm.weight, destinationWithUTM: withUTM))
        }
        let planned = split
        do {
            try await db.writeTransaction { tx in
                guard let sql = tx as? any SQLDatabase else { return }
                let started = try await sql.raw(
                    """
                    UPDATE experiments SET state = \(bind: Experiment.State.running.rawValue), running_link = \(bind: link.id!), started_at = \(bind: now)
                    WHERE id = \(bind: experiment.id!) AND state = \(bind: Experiment.State.draft.rawValue) RETURNING id
                    """
                ).first()
                guard started != nil else { throw Problem(.conflict, "The experiment was started or ended meanwhile.", type: "conflict") }
                try await LinkService(db: tx).startSplit(link, planned, cache: cache)
                try await AuditLog.record(
                    on: tx, actor: actor, workspaceID: access.workspaceID, action: "experiment.started", targetType: "experiment",
                    targetID: experiment.id, now: now)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw Problem(.conflict, "Another running experiment splits this link; end it first.", type: "conflict")
        }
        return try await find(rawID, in: access)
    }

    /// Running → finished: the read-out is kept as it stood, the decision
    /// recorded, and every visitor goes to the winner's destination (or
    /// the control's when no winner is chosen).
    func end(
        _ rawID: String?, _ input: EndInput, in access: WorkspaceAccess, actor: Actor, cache: LinkCache, now: Date = Date()
    ) async throws
        -> Experiment
    {
        try access.require(.contentEdit)
        let experiment = try await find(rawID, in: access)
        guard experiment.state == Experiment.State.running.rawValue else {
            throw Problem(.conflict, "Only a running experiment can be ended; this one is \(experiment.state).", type: "conflict")
        }
        let arms = try await arms(of: experiment)
        var errors = ValidationErrors()
        var winner: ExperimentArm?
        if let raw = input.winnerArmId?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            winner = arms.first { $0.id?.uuidString.lowercased() == raw.lowercased() }
            if winner == nil { errors.add("winner_arm_id", .unknownValue(value: raw, choices: arms.map { $0.id!.uuidString.lowercased() })) }
        }
        let decision = (input.decision ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if decision.count > 2_000 { errors.add("decision", .lengthAtMost(max: 2_000)) }
        try errors.throwIfAny()
        let chosen = winner
        let readout = try await readout(experiment, arms: arms, now: now)
        let json = String(decoding: try JSONEncoder.api.encode(readout), as: UTF8.self)
        guard let link = try await ShortLink.find(experiment.linkID, on: db) else { throw Abort(.notFound) }
        try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { return }
            let ended = try await sql.raw(
                """
                UPDATE experiments SET state = \(bind: Experiment.State.finished.rawValue), running_link = NULL, ended_at = \(bind: now),
                winner_arm_id = \(bind: chosen?.id), decision = \(bind: decision.isEmpty ? nil : decision), readout = \(bind: json)
                WHERE id = \(bind: experiment.id!) AND state = \(bind: Experiment.State.running.rawValue) RETURNING id
                """
            ).first()
            guard ended != nil else { throw Problem(.conflict, "The experiment was ended meanwhile.", type: "conflict") }
            try await LinkService(db: tx).endSplit(link, destination: (chosen ?? arms.first)?.destination, cache: cache)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "experiment.ended", targetType: "experiment",
                targetID: experiment.id, after: ["winner": chosen?.name ?? "", "decision": decision], now: now)
        }
        return try await find(rawID, in: access)
    }

    func delete(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.contentEdit)
        let experiment = try await find(rawID, in: access)
        guard experiment.state != Experiment.State.running.rawValue else {
            throw Problem(.conflict, "A running experiment cannot be deleted; end it first.", type: "conflict")
        }
        try await db.writeTransaction { tx in
            try await ExperimentArm.query(on: tx).filter(\.$experimentID == experiment.id!).delete()
            try await experiment.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "experiment.deleted", targetType: "experiment",
                targetID: experiment.id, before: ["name": experiment.name], now: now)
        }
    }

    /// The read-out now: each arm's sample from the link's clicks and the
    /// conversions they led to, each variant against the control. A
    /// finished experiment's is the one kept when it ended.
    func readout(_ experiment: Experiment, arms: [ExperimentArm], now: Date = Date()) async throws -> ReadoutDTO {
        if experiment.state == Experiment.State.finished.rawValue, let kept = experiment.readout,
            let readout = try? JSONDecoder.api.decode(ReadoutDTO.self, from: Data(kept.utf8))
        {
            return readout
        }
        guard let started = experiment.startedAt else { return ReadoutDTO.empty(arms) }
        let type = ConversionType(rawValue: experiment.conversionType) ?? .purchase
        let tallies = try await LinkService(db: db).armTallies(
            linkID: experiment.linkID, workspaceID: experiment.$workspace.id, since: started, until: experiment.endedAt ?? now.addingTimeInterval(1),
            type: type)
        let metric = Experiment.Metric(rawValue: experiment.metric) ?? .conversion
        return ReadoutDTO.make(arms: arms, tallies: tallies, metric: metric, inverse: experiment.inverse, at: now)
    }

    /// The power plan from the traffic the link (or the workspace's links) really had.
    func power(_ experiment: Experiment, arms: [ExperimentArm], now: Date = Date()) async throws -> PowerDTO {
        let until = experiment.startedAt ?? now
        let since = until.addingTimeInterval(-Double(PowerDTO.historyDays) * 86_400)
        let type = ConversionType(rawValue: experiment.conversionType) ?? .purchase
        let links = LinkService(db: db)
        let workspaceID = experiment.$workspace.id
        var basis = "link"
        var history = try await links.history(linkID: experiment.linkID, workspaceID: workspaceID, since: since, until: until, type: type)
        if history.visitors < PowerDTO.minimumVisitors {
            basis = "workspace"
            history = try await links.history(linkID: nil, workspaceID: workspaceID, since: since, until: until, type: type)
        }
        var power = PowerDTO(basis: history.visitors == 0 ? "none" : basis, historyDays: PowerDTO.historyDays, visitorsPerDay: 0)
        guard history.visitors > 0, history.days > 0, arms.count >= 2 else { return power }
        let n = Double(history.visitors)
        let total = arms.map(\.weight).reduce(0, +)
        // The control and the first variant get their weights' share of the traffic.
        let share = (arms[0].weight + arms[1].weight) / total
        power.visitorsPerDay = n / history.days
        let baseline: PowerPlan.Baseline
        switch Experiment.Metric(rawValue: experiment.metric) ?? .conversion {
        case .conversion:
            let rate = Double(history.tally.converted) / n
            power.baseline = rate
            baseline = .binomial(rate: rate)
        case .revenuePerVisitor:
            let mean = history.tally.sum / n / 100
            let variance = n < 2 ? 0 : max(0, (history.tally.sumOfSquares - history.tally.sum * history.tally.sum / n) / (n - 1)) / 10_000
            power.baseline = mean
            baseline = .mean(mean: mean, stddev: variance.squareRoot())
        }
        let plan = PowerPlan(baseline: baseline, unitsPerDay: power.visitorsPerDay * share, weights: [arms[0].weight, arms[1].weight])
        power.mde14Days = plan.minimumDetectableEffect(days: 14)
        power.mde28Days = plan.minimumDetectableEffect(days: 28)
        power.daysFor10Percent = plan.daysNeeded(effect: 0.1)
        power.daysFor20Percent = plan.daysNeeded(effect: 0.2)
        return power
    }
}
