import FanfareConnectors
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
        /// A post arm's posts (alternation); for a link arm, at most one:
        /// the post its page promotes.
        var postIds: [String]?
    }

    /// Posts an arm may name at most (a title alternated over a month of days).
    static let maxPostsPerArm = 31

    /// Each arm's posts, checked: ids of this workspace's posts (another
    /// workspace's are not found), each post in one arm only; required for
    /// post arms, at most one for a link arm. Problems are named by path
    /// (`arms[1].post_ids[0]`).
    private func posts(
        of arms: [ArmInput], required: Bool, most: Int, in access: WorkspaceAccess, errors: inout ValidationErrors
    ) async throws -> [[UUID]] {
        let coded = CodedMessage.experimentArmPosts(min: required ? 1 : 0, max: most)
        // Each id with its position as given, so a problem names the right one.
        var parsed: [[(position: Int, id: UUID)]] = []
        for (index, arm) in arms.enumerated() {
            let raw = arm.postIds ?? []
            if (required && raw.isEmpty) || raw.count > most { errors.add("arms[\(index)].post_ids", coded) }
            var ids: [(position: Int, id: UUID)] = []
            for (position, text) in raw.prefix(most).enumerated() {
                guard let id = UUID(uuidString: text.trimmingCharacters(in: .whitespaces)) else {
                    errors.add("arms[\(index)].post_ids[\(position)]", .typeId)
                    continue
                }
                ids.append((position, id))
            }
            parsed.append(ids)
        }
        let found = try await PostService.labels(parsed.flatMap { $0.map(\.id) }, in: access, on: db)
        var seen: Set<UUID> = []
        for (index, ids) in parsed.enumerated() {
            for (position, id) in ids where found[id] == nil || !seen.insert(id).inserted {
                errors.add("arms[\(index)].post_ids[\(position)]", coded)
            }
        }
        return parsed.map { $0.map(\.id) }
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
        /// An audience experiment's account: its fans are split and sent to.
        var accountId: String?
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

    /// The arms of many experiments in one query (the list), by experiment.
    func arms(of experiments: [Experiment]) async throws -> [UUID: [ExperimentArm]] {
        guard let workspaceID = experiments.first?.$workspace.id else { return [:] }
        let rows = try await ExperimentArm.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$experimentID ~~ experiments.map { $0.id! })
            .sort(\.$experimentID).sort(\.$position).all()
        return Dictionary(grouping: rows, by: \.experimentID)
    }

    /// The experiment as the API shows it: its arms, and an audience
    /// experiment's group sends once it started.
    func dto(_ experiment: Experiment) async throws -> ExperimentDTO {
        let sends: [ExperimentSend]? =
            experiment.assignment == Experiment.Assignment.audience.rawValue && experiment.startedAt != nil
            ? try await AudienceSends.sends(of: experiment.id!, workspaceID: experiment.$workspace.id, on: db) : nil
        return ExperimentDTO(experiment, arms: try await arms(of: experiment), sends: sends)
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
        let metricChoices = Experiment.Metric.of(assignment ?? .link)
        var metric = choice("metric", input.metric, Experiment.Metric.self, default: metricChoices[0])
        if let chosen = metric, assignment != nil, !metricChoices.contains(chosen) {
            errors.add("metric", .unknownValue(value: chosen.rawValue, choices: metricChoices.map(\.rawValue)))
            metric = nil
        }
        let type = choice("conversion_type", input.conversionType, ConversionType.self, default: .purchase)
        let arms = input.arms ?? []
        _ = errors.collect { () throws(ValidationErrors) in
            try ExperimentArms.validate(names: arms.map { $0.name ?? "" }, weights: arms.map { $0.weight ?? 1 })
        }
        // Post arms name the posts alternated; an audience arm the one post its group is sent.
        let armPosts = try await posts(
            of: arms, required: assignment == .alternation || assignment == .audience,
            most: assignment == .alternation ? Self.maxPostsPerArm : 1, in: access, errors: &errors)
        var audienceAccount: UUID?
        if assignment == .audience {
            let raw = (input.accountId ?? "").trimmingCharacters(in: .whitespaces)
            var account: SocialAccount?
            if let id = UUID(uuidString: raw) { account = try await access.query(SocialAccount.self, on: db).filter(\.$id == id).first() }
            if let account, ConnectorRegistry.audienceSendingPlatforms.contains(account.platform) {
                audienceAccount = account.id
            } else {
                errors.add("account_id", .experimentAudience)
            }
        }
        var link: ShortLink?
        var destinations: [String] = Array(repeating: "", count: arms.count)
        if assignment == .link {
            do {
                link = try await LinkService(db: db).enabledLink(input.linkId, field: "link_id", in: access)
            } catch let refused as ValidationErrors {
                errors.issues += refused.issues
            }
            if let link {
                for (index, arm) in arms.enumerated() {
                    switch LinkService.destinationWithUTM(arm.destination, of: link) {
                    case .success: destinations[index] = (arm.destination ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                    case .failure(let coded): errors.add("arms[\(index)].destination", coded)
                    }
                }
            }
        }
        try errors.throwIfAny()
        guard let varies, let assignment, let metric, let type, assignment != .link || link != nil else { throw errors }
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
        experiment.linkID = link?.id
        experiment.audienceAccountID = audienceAccount
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
                row.postIDs = armPosts[index]
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
        var audience: [AudienceSends.Member] = []
        let seed = Self.newSeed()
        let arms = try await arms(of: experiment)
        if let accountID = experiment.audienceAccountID {
            audience = try await AudienceSends.audience(accountID: accountID, workspaceID: access.workspaceID, on: db)
            let fewest = AudienceSplit.sizes(total: audience.count, weights: arms.map(\.weight)).min() ?? 0
            guard fewest >= AudienceSends.minimumPerGroup else {
                throw Problem(
                    .conflict,
                    "Each group needs at least \(AudienceSends.minimumPerGroup) fans; the account's \(audience.count) fans split by these weights leave \(fewest) in the smallest. Wait for more fans or use fewer arms.",
                    type: AudienceSends.tooFewType)
            }
        }
        let members = audience
        guard let linkID = experiment.linkID else {
            // Post arms: nothing to split; the arms' posts go out as planned.
            // Audience arms: the fans are split now, and a job sends each group its post.
            try await db.writeTransaction { tx in
                guard let sql = tx as? any SQLDatabase else { return }
                let started = try await sql.raw(
                    """
                    UPDATE experiments SET state = \(bind: Experiment.State.running.rawValue), started_at = \(bind: now)
                    WHERE id = \(bind: experiment.id!) AND state = \(bind: Experiment.State.draft.rawValue) RETURNING id
                    """
                ).first()
                guard started != nil else { throw Problem(.conflict, "The experiment was started or ended meanwhile.", type: "conflict") }
                if experiment.audienceAccountID != nil {
                    try await sql.raw("UPDATE experiments SET audience_seed = \(bind: seed) WHERE id = \(bind: experiment.id!)").run()
                    try await AudienceSends.store(experiment, arms: arms, members: members, seed: seed, on: tx, now: now)
                }
                try await AuditLog.record(
                    on: tx, actor: actor, workspaceID: access.workspaceID, action: "experiment.started", targetType: "experiment",
                    targetID: experiment.id, after: experiment.audienceAccountID == nil ? [:] : ["fans": "\(members.count)"], now: now)
            }
            return try await find(rawID, in: access)
        }
        let links = LinkService(db: db)
        let link = try await links.enabledLink(linkID.uuidString, field: "link_id", in: access)
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
        var found: ShortLink?
        if let linkID = experiment.linkID {
            guard let one = try await ShortLink.find(linkID, on: db) else { throw Abort(.notFound) }
            found = one
        }
        let link = found
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
            if let link { try await LinkService(db: tx).endSplit(link, destination: (chosen ?? arms.first)?.destination, cache: cache) }
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "experiment.ended", targetType: "experiment",
                targetID: experiment.id, after: ["winner": chosen?.name ?? "", "decision": decision], now: now)
            // A winner standing for posts marks them as hits (爆款) in the library.
            if let chosen, !chosen.postIDs.isEmpty {
                let comparison = readout.comparisons.first { $0.armId == chosen.id }
                try await ContentHits.mark(
                    chosen.postIDs,
                    .init(
                        experimentID: experiment.id!, experimentName: experiment.name, armName: chosen.name,
                        uplift: comparison?.relative.bayesian.expected, chanceToWin: comparison?.relative.bayesian.chanceToWin,
                        quasiExperiment: readout.quasiExperiment),
                    workspaceID: access.workspaceID, actor: actor, on: tx, now: now)
            }
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
            try await ExperimentSend.query(on: tx).filter(\.$experimentID == experiment.id!).delete()
            if let sql = tx as? any SQLDatabase {
                try await sql.raw("DELETE FROM experiment_audience_members WHERE experiment_id = \(bind: experiment.id!)").run()
            }
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
        let assignment = Experiment.Assignment(rawValue: experiment.assignment) ?? .link
        guard let started = experiment.startedAt else { return ReadoutDTO.empty(arms, assignment: assignment) }
        let metric = Experiment.Metric(rawValue: experiment.metric) ?? .conversion
        if assignment == .audience {
            // Each group: the fans its send was delivered to, and those who opened it.
            var tallies: [UUID: LinkService.ArmTally] = [:]
            for send in try await AudienceSends.sends(of: experiment.id!, workspaceID: experiment.$workspace.id, on: db) {
                var tally = LinkService.ArmTally()
                tally.visitors = send.delivered ?? 0
                tally.converted = send.readers ?? 0
                tallies[send.armID] = tally
            }
            return ReadoutDTO.make(arms: arms, tallies: tallies, metric: metric, inverse: experiment.inverse, assignment: assignment, at: now)
        }
        guard let linkID = experiment.linkID else {
            // Post arms: each arm's posts' stored totals (impressions as users,
            // engagements or link clicks as conversions).
            let totals = try await MetricHistoryService.postTotals(
                Array(Set(arms.flatMap(\.postIDs))), workspaceID: experiment.$workspace.id, on: db)
            var tallies: [UUID: LinkService.ArmTally] = [:]
            for arm in arms {
                var tally = LinkService.ArmTally()
                for id in arm.postIDs {
                    let post = totals[id] ?? MetricHistoryService.PostTotals()
                    tally.visitors += post.impressions
                    tally.converted += metric == .clickThrough ? post.linkClicks : post.engagements
                }
                // A platform may count more engagements than impressions (a
                // reply without a counted view); a rate cannot pass 1.
                tally.converted = min(tally.converted, tally.visitors)
                tallies[arm.id!] = tally
            }
            return ReadoutDTO.make(arms: arms, tallies: tallies, metric: metric, inverse: experiment.inverse, assignment: assignment, at: now)
        }
        let type = ConversionType(rawValue: experiment.conversionType) ?? .purchase
        let tallies = try await LinkService(db: db).armTallies(
            linkID: linkID, workspaceID: experiment.$workspace.id, since: started, until: experiment.endedAt ?? now.addingTimeInterval(1),
            type: type)
        return ReadoutDTO.make(arms: arms, tallies: tallies, metric: metric, inverse: experiment.inverse, assignment: assignment, at: now)
    }

    /// An audience experiment's plan: one send to a known number of fans,
    /// so the question is the smallest change in read rate that audience
    /// can show, at the read rate the account's earlier group sends had.
    /// Without an earlier counted send there is no baseline: said, not guessed.
    func audiencePower(_ experiment: Experiment, accountID: UUID, arms: [ExperimentArm]) async throws -> PowerDTO {
        var power = PowerDTO(basis: "none", historyDays: 0, visitorsPerDay: 0)
        let workspaceID = experiment.$workspace.id
        let sends = try await AudienceSends.sends(of: experiment.id!, workspaceID: workspaceID, on: db)
        let fans =
            sends.isEmpty
            ? try await AudienceSends.audience(accountID: accountID, workspaceID: workspaceID, on: db).count : sends.map(\.addressed).reduce(0, +)
        power.audienceFans = fans
        guard let sql = db as? any SQLDatabase, arms.count >= 2, fans > 0 else { return power }
        let row = try await sql.raw(
            """
            SELECT CAST(SUM(s.delivered) AS BIGINT) AS delivered, CAST(SUM(s.readers) AS BIGINT) AS readers FROM experiment_sends s
            JOIN experiments e ON e.id = s.experiment_id
            WHERE s.workspace_id = \(bind: workspaceID) AND e.audience_account_id = \(bind: accountID) AND s.experiment_id <> \(bind: experiment.id!)
            AND s.delivered IS NOT NULL
            """
        ).first()
        let delivered = try row?.decode(column: "delivered", as: Int64?.self) ?? 0
        let readers = try row?.decode(column: "readers", as: Int64?.self) ?? 0
        guard delivered > 0 else { return power }
        let rate = Double(readers) / Double(delivered)
        let total = arms.map(\.weight).reduce(0, +)
        let share = (arms[0].weight + arms[1].weight) / total
        power.basis = "audience"
        power.baseline = rate
        // The whole audience at once: one "day" of all its fans.
        power.mdeAudience = PowerPlan(baseline: .binomial(rate: rate), unitsPerDay: Double(fans) * share, weights: [arms[0].weight, arms[1].weight])
            .minimumDetectableEffect(days: 1)
        return power
    }

    /// Post arms' plan: a post's impressions are its units, so the plan
    /// counts rounds of one post per arm, at the impressions and the rate
    /// the workspace's latest published posts had. Impressions are not
    /// people and the arms are not randomised, so this is a guide to how
    /// many posts to alternate, not a guarantee (said on the page).
    func postPower(_ experiment: Experiment, arms: [ExperimentArm]) async throws -> PowerDTO {
        var power = PowerDTO(basis: "none", historyDays: 0, visitorsPerDay: 0)
        let workspaceID = experiment.$workspace.id
        let recent = try await PostService.recentPublishedIDs(workspaceID: workspaceID, limit: PowerDTO.historyPostsLimit, on: db)
        let totals = try await MetricHistoryService.postTotals(recent, workspaceID: workspaceID, on: db).values.filter { $0.impressions > 0 }
        guard !totals.isEmpty, arms.count >= 2 else { return power }
        let impressions = totals.map(\.impressions).reduce(0, +)
        let converted = totals.map {
            min($0.impressions, experiment.metric == Experiment.Metric.clickThrough.rawValue ? $0.linkClicks : $0.engagements)
        }.reduce(0, +)
        let perPost = Double(impressions) / Double(totals.count)
        let rate = Double(converted) / Double(impressions)
        power.basis = "posts"
        power.baseline = rate
        power.historyPosts = totals.count
        power.impressionsPerPost = perPost
        // A round is one post of each of the first two arms.
        let plan = PowerPlan(baseline: .binomial(rate: rate), unitsPerDay: perPost * 2, weights: [1, 1])
        let posts = min(arms[0].postIDs.count, arms[1].postIDs.count)
        power.postsPerArm = posts
        power.mdePosts = posts > 0 ? plan.minimumDetectableEffect(days: Double(posts)) : nil
        power.postsFor10Percent = plan.daysNeeded(effect: 0.1)
        power.postsFor20Percent = plan.daysNeeded(effect: 0.2)
        return power
    }

    /// A fresh seed for an audience split: 128 random bits, hex.
    static func newSeed() -> String {
        (0..<2).map { _ in String(format: "%016llx", UInt64.random(in: .min ... .max)) }.joined()
    }

    /// The power plan from the traffic the link (or the workspace's links) really had.
    func power(_ experiment: Experiment, arms: [ExperimentArm], now: Date = Date()) async throws -> PowerDTO {
        if let accountID = experiment.audienceAccountID { return try await audiencePower(experiment, accountID: accountID, arms: arms) }
        guard let linkID = experiment.linkID else { return try await postPower(experiment, arms: arms) }
        let until = experiment.startedAt ?? now
        let since = until.addingTimeInterval(-Double(PowerDTO.historyDays) * 86_400)
        let type = ConversionType(rawValue: experiment.conversionType) ?? .purchase
        let links = LinkService(db: db)
        let workspaceID = experiment.$workspace.id
        var basis = "link"
        var history = try await links.history(linkID: linkID, workspaceID: workspaceID, since: since, until: until, type: type)
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
        case .conversion, .engagementRate, .clickThrough, .readRate:
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
