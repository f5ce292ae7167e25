import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// A post's own page: each account's variant with the rules it breaks and
/// a form to fix it, the review chain and its history with the decision
/// form for whoever is next, what the automatic check found, the pacing
/// warnings of the schedule around it, scheduling, publishing outcomes in
/// words a person can act on, the platform's link, and metrics.
///
/// The page is query → model → view: `query` reads, `model` decides what
/// a reader sees (every step, decision, state and finding in their
/// language; what people typed kept apart), `view` only draws; the last
/// two are tested without a database.
struct PostDetailPage {
    @Sendable func show(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let ctx = try await PageContext.make(req)
        let found = try await Self.query(req.parameters.get("post"), access: access, on: req.db)
        let model = Self.model(
            found, base: "/w/\(access.workspace.slug)", abilities: .init(access), me: ctx.user?.id?.uuidString, locale: ctx.locale)
        var links: HTML = .empty
        if let postID = UUID(uuidString: found.post.id) {
            links = try await LinkService.postSection(postID: postID, ctx, access: access, shortBase: req.application.settings.linkBase, on: req.db)
        }
        return Layout.page(ctx, title: found.post.label, typedTitle: true, "\(Self.view(model, ctx))\(links)")
    }
}

extension PostDetailPage {
    /// What the role may do here.
    struct Abilities: Sendable, Equatable {
        var role: Role
        var edit: Bool
        var schedule: Bool
        var analytics: Bool

        init(role: Role, edit: Bool, schedule: Bool, analytics: Bool) {
            self.role = role
            self.edit = edit
            self.schedule = schedule
            self.analytics = analytics
        }

        init(_ access: WorkspaceAccess) {
            self.init(
                role: access.role, edit: access.can(.contentEdit), schedule: access.can(.contentSchedule), analytics: access.can(.analyticsView))
        }
    }

    /// The post as stored (no model leaves the query).
    struct Found: Sendable {
        struct PostFacts: Sendable, Equatable {
            var id: String
            var title: String?
            var body: String
            var status: String
            var pillar: String
            var format: String
            var pool: String
            var campaign: String?
            var tags: [String]
            var scheduledAt: Date?

            var label: String { title.nonEmpty ?? String(body.prefix(40)) }
        }
        var post: PostFacts
        var variants: [PostDTO.VariantDTO]
        /// Variant id → the account's own platform (`sandbox` for a stand-in).
        var accountPlatforms: [UUID: String] = [:]
        /// Accounts an active publishing hold covers (issue 20); `holdAll`: every one.
        var heldAccounts: Set<UUID> = []
        var holdAll = false
        var review: ReviewProcess
        /// User id → display name, for the review history.
        var names: [String: String] = [:]
        var timeZone: String
        var bestTime: Date?
        /// The schedule's warnings that involve this post's variants.
        var pacing: [ScheduleWarning] = []
        var pacingNamed: [String: CalendarVocabulary.Named] = [:]
        /// The post's pictures and videos in order: the asset and whether
        /// the library has a picture to show for it.
        var media: [(id: String, kind: String, picture: Bool, alt: String?)] = []
        var mediaAttachments: [MediaAttachment] = []
    }

    /// The post with its media, its variants with their accounts, their
    /// metrics and their attempts as plain rows in four hand-written
    /// statements (before: `PostDTO.load`'s Fluent queries, a statement per
    /// published variant, and the media and accounts read twice), then the
    /// names its review history needs, the best time and the pacing around it.
    static func query(_ rawID: String?, access: WorkspaceAccess, now: Date = Date(), on db: any Database) async throws -> Found {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        guard let rawID, let postID = UUID(uuidString: rawID) else { throw Problem.notFound("Post") }
        let text = SQLRows.uuidsAsText(sql)
        // The post once per picture or video it uses (its media in order).
        let rows = try await sql.raw(
            """
            SELECT p.id, p.title, p.body, p.status, p.pillar, p.format, p.pool, p.campaign, p.tags, p.review, p.scheduled_at, \
            a.id AS a_id, a.kind AS a_kind, a.bytes AS a_bytes, a.format AS a_format, a.width AS a_width, a.height AS a_height, \
            a.storage_key AS a_storage_key, a.thumbnail_key AS a_thumbnail_key, a.alt_text AS a_alt_text \
            FROM posts p LEFT JOIN post_assets l ON l.post_id = p.id LEFT JOIN assets a ON a.id = l.asset_id \
            WHERE p.workspace_id = \(bind: access.workspaceID) AND p.id = \(bind: postID) ORDER BY l.position
            """
        ).all()
        guard let row = rows.first else { throw Problem.notFound("Post") }
        let media = try rows.compactMap { try Self.medium($0, asText: text) }
        let status = try row.decode(column: "status", as: String.self)
        let scheduledAt = try row.decode(column: "scheduled_at", as: Date?.self)
        let tagsJSON = try row.decode(column: "tags", as: String.self)
        let post = Found.PostFacts(
            id: try SQLRows.uuid(row, "id", asText: text).uuidString, title: try row.decode(column: "title", as: String?.self),
            body: try row.decode(column: "body", as: String.self), status: status, pillar: try row.decode(column: "pillar", as: String.self),
            format: try row.decode(column: "format", as: String.self), pool: try row.decode(column: "pool", as: String.self),
            campaign: try row.decode(column: "campaign", as: String?.self),
            tags: (try? JSONDecoder().decode([String].self, from: Data(tagsJSON.utf8))) ?? [], scheduledAt: scheduledAt)
        let review = try ReviewProcess(json: try row.decode(column: "review", as: String.self))

        let (variants, platforms) = try await Self.variants(
            postID, workspaceID: access.workspaceID, media: media.map(\.attachment), sql)
        // Only the names the history shows, of people still members.
        var names: [String: String] = [:]
        let actors = Set(review.history.compactMap(\.actorID).compactMap { UUID(uuidString: $0) })
        if !actors.isEmpty {
            for row in try await sql.raw(
                """
                SELECT m.user_id, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id \
                WHERE m.workspace_id = \(bind: access.workspaceID) AND m.user_id IN (\(SQLList(actors.sorted().map { SQLBind($0) })))
                """
            ).all() {
                names[try SQLRows.uuid(row, "user_id", asText: text).uuidString] = try row.decode(column: "display_name", as: String.self)
            }
        }
        let bestTime = access.can(.contentSchedule) ? try await BestTimes.map(in: access, on: db).suggestion(near: now) : nil
        // Pacing: the day around the post's time, as the calendar checks it.
        var pacing: [ScheduleWarning] = []
        var named: [String: CalendarVocabulary.Named] = [:]
        if let at = scheduledAt, [.scheduled, .failed, .approved].contains(Post.Status(rawValue: status) ?? .draft) {
            // The calendar's entries and warnings of those three days, in
            // one statement (its themes and hot topics are not shown here).
            let zone = access.workspace.zone
            let day = CalendarDate(at, in: zone)
            var entries = try await CalendarService.entries(
                from: day.adding(days: -1).start(in: zone), until: day.adding(days: 2).start(in: zone), zone: zone, in: access, on: db
            ).map(\.entry)
            entries.sort { ($0.at, $0.handle) < ($1.at, $1.handle) }
            let mine = Set(variants.map(\.id.uuidString))
            pacing = CalendarService.warnings(entries).filter { !mine.isDisjoint(with: $0.entryIDs) }
            for entry in entries {
                named[entry.variantId.uuidString] = .init(
                    postID: entry.postId.uuidString, title: entry.title, platform: entry.platform, handle: entry.handle, at: entry.at)
            }
        }
        let holds = try await PublishingService.activeHolds(in: access.workspaceID, on: db)
        return Found(
            post: post, variants: variants, accountPlatforms: platforms, heldAccounts: Set(holds.compactMap(\.accountID)),
            holdAll: holds.contains { $0.accountID == nil }, review: review, names: names, timeZone: access.workspace.timeZone,
            bestTime: bestTime, pacing: pacing, pacingNamed: named,
            media: media.map { ($0.id, $0.kind, $0.picture, $0.alt) },
            mediaAttachments: media.map(\.attachment))
    }

    /// One of the post's pictures or videos, in order.
    struct Medium: Sendable {
        var id: String
        var kind: String
        var picture: Bool
        var alt: String?
        var attachment: MediaAttachment
    }

    /// The medium of a row of the post's statement; nil for none.
    static func medium(_ row: any SQLRow, asText text: Bool) throws -> Medium? {
        guard let id = try SQLRows.optionalUUID(row, "a_id", asText: text) else { return nil }
        let kind = try row.decode(column: "a_kind", as: String.self)
        let stored = try row.decode(column: "a_storage_key", as: String?.self) != nil
        return Medium(
            id: id.uuidString.lowercased(), kind: kind,
            picture: try row.decode(column: "a_thumbnail_key", as: String?.self) != nil || (stored && kind != "video"),
            alt: try row.decode(column: "a_alt_text", as: String?.self),
            attachment: MediaAttachment(
                kind: MediaKind(rawValue: kind) ?? .image, bytes: Int(try row.decode(column: "a_bytes", as: Int64.self)),
                format: try row.decode(column: "a_format", as: String?.self).flatMap(MediaFormat.init(rawValue:)),
                width: try row.decode(column: "a_width", as: Int?.self), height: try row.decode(column: "a_height", as: Int?.self)))
    }

    /// The post's variants as `PostDTO.load` makes them, and each one's
    /// account's own platform: the variants with their accounts (one
    /// statement), their snapshots beside each published one's newest
    /// stored day (one), and their attempts (one).
    static func variants(
        _ postID: UUID, workspaceID: UUID, media: [MediaAttachment], _ sql: any SQLDatabase
    ) async throws -> ([PostDTO.VariantDTO], [UUID: String]) {
        let text = SQLRows.uuidsAsText(sql)
        var variants: [PostDTO.VariantDTO] = []
        var platforms: [UUID: String] = [:]
        var remote: [UUID] = []
        for row in try await sql.raw(
            """
            SELECT v.id, v.account_id, v.platform, v.title, v.text, v.tags, v.state, v.attempts, v.remote_id, v.url, v.published_at, \
            v.error_code, v.last_error, v.hand_off, a.handle, a.platform AS account_platform \
            FROM post_variants v JOIN social_accounts a ON a.id = v.account_id WHERE v.post_id = \(bind: postID) ORDER BY v.id
            """
        ).all() {
            let id = try SQLRows.uuid(row, "id", asText: text)
            let platform = try row.decode(column: "platform", as: String.self)
            let title = try row.decode(column: "title", as: String?.self)
            let body = try row.decode(column: "text", as: String.self)
            let tags = (try? JSONDecoder().decode([String].self, from: Data(try row.decode(column: "tags", as: String.self).utf8))) ?? []
            let remoteID = try row.decode(column: "remote_id", as: String?.self)
            if remoteID != nil { remote.append(id) }
            let candidate = Variant(title: title, text: body, tags: tags, media: media)
            platforms[id] = try row.decode(column: "account_platform", as: String.self)
            variants.append(
                PostDTO.VariantDTO(
                    id: id, accountId: try SQLRows.uuid(row, "account_id", asText: text), platform: platform,
                    handle: try row.decode(column: "handle", as: String.self), title: title, text: body, tags: tags,
                    state: try row.decode(column: "state", as: String.self), attempts: try row.decode(column: "attempts", as: Int.self),
                    remoteId: remoteID, url: try row.decode(column: "url", as: String?.self),
                    publishedAt: try row.decode(column: "published_at", as: Date?.self),
                    errorCode: try row.decode(column: "error_code", as: String?.self),
                    lastError: try row.decode(column: "last_error", as: String?.self),
                    violations: PlatformRules.standard[platform].map { VariantValidator.violations(of: candidate, against: $0) } ?? [],
                    metrics: [], attemptHistory: [],
                    handOff: try row.decode(column: "hand_off", as: String?.self).flatMap {
                        try? JSONDecoder().decode(HandOffPackage.self, from: Data($0.utf8))
                    }))
        }
        guard !variants.isEmpty else { return (variants, platforms) }
        let ids = SQLList(variants.map { SQLBind($0.id) })
        // The metric store's newest day of each published variant stands
        // for "latest" when it is newer than the snapshot of that name.
        var statement: SQLQueryString = """
            SELECT 's' AS source, s.variant_id, s.label, s.impressions, s.likes, s.comments, s.shares, s.taken_at FROM metric_snapshots s \
            WHERE s.variant_id IN (\(ids))
            """
        if !remote.isEmpty {
            let published = SQLList(remote.map { SQLBind($0) })
            statement.appendInterpolation(
                """
                 UNION ALL SELECT 'd' AS source, m.variant_id, m.day AS label, m.impressions, m.likes, m.comments, m.shares, m.taken_at \
                FROM post_metric_days m WHERE m.workspace_id = \(bind: workspaceID) AND m.variant_id IN (\(published)) \
                AND m.day = (SELECT MAX(d.day) FROM post_metric_days d WHERE d.workspace_id = \(bind: workspaceID) AND d.variant_id = m.variant_id)
                """ as SQLQueryString)
        }
        statement.appendInterpolation(" ORDER BY 8" as SQLQueryString)
        var snapshots: [UUID: [PostDTO.MetricsDTO]] = [:]
        var stored: [UUID: PostDTO.MetricsDTO] = [:]
        for row in try await sql.raw(statement).all() {
            let id = try SQLRows.uuid(row, "variant_id", asText: text)
            let source = try row.decode(column: "source", as: String.self)
            let metrics = PostDTO.MetricsDTO(
                label: source == "d" ? "latest" : try row.decode(column: "label", as: String.self),
                impressions: try row.decode(column: "impressions", as: Int?.self), likes: try row.decode(column: "likes", as: Int?.self) ?? 0,
                comments: try row.decode(column: "comments", as: Int?.self) ?? 0, shares: try row.decode(column: "shares", as: Int?.self) ?? 0,
                takenAt: try row.decode(column: "taken_at", as: Date.self))
            if source == "d" { stored[id] = metrics } else { snapshots[id, default: []].append(metrics) }
        }
        var attempts: [UUID: [PostDTO.AttemptDTO]] = [:]
        for row in try await sql.raw(
            """
            SELECT variant_id, number, started_at, finished_at, outcome, message FROM publish_attempts WHERE variant_id IN (\(ids)) ORDER BY id
            """
        ).all() {
            attempts[try SQLRows.uuid(row, "variant_id", asText: text), default: []].append(
                PostDTO.AttemptDTO(
                    number: try row.decode(column: "number", as: Int.self), startedAt: try row.decode(column: "started_at", as: Date.self),
                    finishedAt: try row.decode(column: "finished_at", as: Date?.self), outcome: try row.decode(column: "outcome", as: String.self),
                    message: try row.decode(column: "message", as: String?.self)))
        }
        for index in variants.indices {
            let id = variants[index].id
            variants[index].metrics = (snapshots[id] ?? []).map { snapshot in
                if snapshot.label == "latest", let day = stored[id], day.takenAt > snapshot.takenAt { return day }
                return snapshot
            }
            variants[index].attemptHistory = attempts[id] ?? []
        }
        return (variants, platforms)
    }

    struct Model: Sendable {
        /// A sentence in the reader's language with typed pieces for `{0}`….
        struct Sentence: Sendable, Equatable {
            var template: String
            var typed: [String] = []
        }
        struct Violation: Sendable, Equatable {
            var rule: String
            var severity: String
            var field: String
            var message: String
        }
        struct Metric: Sendable, Equatable {
            var label: String
            var code: String
            var impressions: String
            var likes: String
            var comments: String
            var shares: String
        }
        struct Attempt: Sendable, Equatable {
            var number: Int
            var at: Date
            var outcome: String
            var message: String?
        }
        struct HandOff: Sendable, Equatable {
            var title: String?
            var body: String
            var steps: [Sentence]
            var action: String
        }
        struct Variant: Sendable, Equatable {
            var id: String
            var platform: String
            var handle: String
            var state: String
            var stateLabel: String
            var tone: Badge.Tone
            var link: String?
            var title: String?
            var text: String
            var tags: String
            var violations: [Violation]
            var error: String?
            var handOff: HandOff?
            var metrics: [Metric]
            var attempts: [Attempt]
            var editable: Bool
            var fixOpen: Bool
            /// The adapter's shortened text when the text is too long.
            var suggested: String?
            var action: String
        }
        struct Step: Sendable, Equatable {
            var name: String
            var typed: Bool
            var who: String
            var current: Bool
        }
        struct Entry: Sendable, Equatable {
            var at: Date
            var decision: String
            var decisionLabel: String
            var step: String?
            var stepTyped: Bool
            var who: String
            var whoTyped: Bool
            /// A person's comment (typed).
            var comment: String?
            /// The automatic check's findings, in the reader's language.
            var findings: [Sentence]
        }
        struct Schedule: Sendable, Equatable {
            var value: String
            var timeZone: String
            var bestTime: String?
        }
        var id: String
        var title: String
        var status: String
        var statusLabel: String
        var tone: Badge.Tone
        var facts: [String]
        var campaign: String?
        var tags: [String]
        var base: String
        /// The post list's path, for the posts a warning names.
        var listBase: String
        var variants: [Variant]
        var scheduledAt: Date?
        var canEdit: Bool
        var canSubmit: Bool
        var schedule: Schedule?
        var canUnschedule: Bool
        var canRefreshMetrics: Bool
        var canDelete: Bool
        var steps: [Step]
        var history: [Entry]
        var canDecide: Bool
        var othersDecide: Bool
        var pacing: [CalendarVocabulary.Warning]
        /// How each platform will show its variant.
        struct Preview: Sendable {
            var platform: String
            var handle: String
            var shape: VariantPreview
            var pictures: [(src: String, alt: String)]
            var videos: Int
        }
        var previews: [Preview] = []
    }

    /// `base` is the workspace's path (`/w/{ws}`); `me` the reader's user id.
    static func model(_ found: Found, base: String, abilities: Abilities, me: String?, locale: UILocale) -> Model {
        func t(_ key: String, _ arguments: String...) -> String { I18n.text(key, locale, arguments) }
        let post = found.post
        let status = Post.Status(rawValue: post.status) ?? .draft
        let postBase = "\(base)/posts/\(post.id)"
        let editable = abilities.edit && ![.publishing, .published, .handOff].contains(status)
        let draft = ContentDraft(title: post.title, body: post.body, hashtags: post.tags)
        let variants = found.variants.map { v in
            variant(
                v, accountPlatform: found.accountPlatforms[v.id], postBase: postBase, editable: editable, draft: draft, locale: locale,
                held: v.state == PostVariant.State.queued.rawValue && (found.holdAll || found.heldAccounts.contains(v.accountId)))
        }
        let previews = found.variants.map { v -> Model.Preview in
            let rules = PlatformRules.standard[v.platform] ?? PlatformRules.standard["sandbox"]!
            let shape = VariantPreview(
                variant: Variant(title: v.title, text: v.text, tags: v.tags, media: found.mediaAttachments), rules: rules)
            let shown = found.media.prefix(shape.shownMedia)
            return Model.Preview(
                platform: v.platform, handle: v.handle, shape: shape,
                pictures: shown.filter(\.picture).map { ("\(base)/library/assets/\($0.id)/thumbnail", $0.alt ?? "") },
                videos: shown.filter { !$0.picture }.count)
        }
        let process = found.review
        let current = process.currentStep?.key
        let steps = process.chain.steps.map { step -> Model.Step in
            let name = PostVocabulary.stepName(key: step.key, name: step.name, locale)
            let who =
                step.automatic
                ? t("review.automatic") : step.approvers.sorted().map { t("role." + $0.rawValue) }.joined(separator: t("post.list_separator"))
            return Model.Step(name: name.text, typed: name.typed, who: who, current: step.key == current)
        }
        let history = process.history.reversed().map { entry -> Model.Entry in
            let step = entry.step.flatMap { key in process.chain.steps.first { $0.key == key } }.map {
                PostVocabulary.stepName(key: $0.key, name: $0.name, locale)
            }
            let automatic = entry.decision == .autoPassed || entry.decision == .autoFailed
            let person = entry.actorID.map { found.names[$0] ?? $0 }
            var findings = entry.problems.map { line -> Model.Sentence in
                let finding = PostVocabulary.finding(line, locale, in: TimeZone(identifier: found.timeZone) ?? .gmt)
                return Model.Sentence(template: finding.sentence, typed: finding.typed)
            }
            if automatic, !findings.isEmpty {
                let lead = entry.decision == .autoFailed ? "review.found_problems" : "review.found_warnings"
                findings.insert(Model.Sentence(template: t(lead, String(findings.count))), at: 0)
            }
            return Model.Entry(
                at: entry.at, decision: entry.decision.rawValue, decisionLabel: t("review.decision." + entry.decision.rawValue),
                step: automatic ? nil : step?.text, stepTyped: step?.typed ?? false, who: person ?? t("review.system"), whoTyped: person != nil,
                comment: automatic ? nil : entry.comment, findings: findings)
        }
        // The step is this person's when Core says it awaits them; their
        // role's but not theirs when they submitted or approved this round.
        let mine = process.awaitsDecision(from: abilities.role, actor: me ?? "")
        let roles = process.nextApprovers?.contains(abilities.role) == true
        var schedule: Model.Schedule?
        if abilities.schedule, [.approved, .scheduled, .failed].contains(status) {
            let zone = TimeZone(identifier: found.timeZone) ?? .gmt
            schedule = Model.Schedule(
                value: post.scheduledAt.map { ScheduleTime.local($0, timeZone: zone) } ?? "", timeZone: found.timeZone,
                bestTime: found.bestTime.map { ScheduleTime.local($0, timeZone: zone) })
        }
        var facts = [
            PostVocabulary.known("pillar." + post.pillar, locale) ?? post.pillar,
            PostVocabulary.known("format." + post.format, locale) ?? post.format,
            PostVocabulary.known("pool." + post.pool, locale) ?? post.pool,
        ]
        facts = facts.filter { !$0.isEmpty }
        return Model(
            id: post.id, title: post.label, status: post.status, statusLabel: t("post.status." + post.status), tone: PostVocabulary.tone(post.status),
            facts: facts, campaign: post.campaign.nonEmpty, tags: post.tags, base: postBase, listBase: "\(base)/posts", variants: variants,
            scheduledAt: post.scheduledAt,
            canEdit: editable, canSubmit: abilities.edit && [.draft, .rejected].contains(status), schedule: schedule,
            canUnschedule: abilities.schedule && status == .scheduled,
            canRefreshMetrics: abilities.analytics && [.published, .publishing, .failed].contains(status),
            canDelete: abilities.edit && status != .publishing, steps: steps, history: history, canDecide: mine,
            othersDecide: roles && !mine, pacing: found.pacing.map { CalendarVocabulary.warning($0, named: found.pacingNamed, locale) },
            previews: previews)
    }

    static func variant(
        _ v: PostDTO.VariantDTO, accountPlatform: String?, postBase: String, editable: Bool, draft: ContentDraft, locale: UILocale,
        held: Bool = false
    ) -> Model.Variant {
        func t(_ key: String, _ arguments: String...) -> String { I18n.text(key, locale, arguments) }
        // A text that breaks a length rule is offered the adapter's
        // shortened version; the person reads it before saving. The
        // adapter's proposal keeps the hashtags and shortens the text; a
        // variant already worded by hand is shortened as it stands.
        let tooLong = v.violations.contains { $0.rule.hasSuffix("too_long") && $0.field == "text" }
        let suggested: String? =
            tooLong
            ? PlatformRules.standard[v.platform].map { rules in
                v.text == VariantAdapter.written(draft, for: rules).text
                    ? VariantAdapter.propose(draft, for: rules).text
                    : VariantAdapter.fit(v.text, suffix: "", limit: rules.preferredLength ?? rules.textLimit ?? .max, counting: rules.counting)
            }
            : nil
        let latest = v.metrics.last { $0.label == "latest" }
        let milestones = v.metrics.filter { $0.label != "latest" }
        let metrics = (milestones + (latest.map { [$0] } ?? [])).map { m in
            Model.Metric(
                label: PostVocabulary.known("metrics." + m.label, locale) ?? m.label, code: m.label,
                impressions: m.impressions.map { Formats.count($0, locale) } ?? "—", likes: Formats.count(m.likes, locale),
                comments: Formats.count(m.comments, locale), shares: Formats.count(m.shares, locale))
        }
        let handOff = v.handOff.map { package in
            Model.HandOff(
                title: package.title, body: package.body, steps: handOffSteps(package, handle: v.handle, locale: locale),
                action: "\(postBase)/variants/\(v.id.uuidString)/published")
        }
        // A Sandbox post's page is this server's own, wherever it is reached.
        let link = accountPlatform == "sandbox" ? v.remoteId.map { PublishingService.sandboxPostLink(handle: v.handle, remoteID: $0) } : v.url
        return Model.Variant(
            // A queued variant a publishing hold keeps back says so (issue 20).
            id: v.id.uuidString, platform: v.platform, handle: v.handle, state: v.state,
            stateLabel: held ? t("variant.state.held") : t("variant.state." + v.state), tone: held ? .warning : PostVocabulary.variantTone(v.state),
            link: link, title: v.title, text: v.text, tags: v.tags.joined(separator: " "),
            violations: v.violations.map {
                Model.Violation(
                    rule: $0.rule, severity: $0.severity.rawValue, field: PostVocabulary.fieldName($0.field, locale),
                    message: PostVocabulary.ruleMessage($0.coded, locale))
            }, error: v.lastError, handOff: v.state == PostVariant.State.handOff.rawValue ? handOff : nil, metrics: metrics,
            attempts: v.attemptHistory.map {
                Model.Attempt(
                    number: $0.number, at: $0.startedAt, outcome: PostVocabulary.known("attempt." + $0.outcome, locale) ?? $0.outcome,
                    message: $0.message)
            }, editable: editable, fixOpen: v.violations.contains { $0.severity == .error }, suggested: suggested,
            action: "\(postBase)/variants/\(v.id.uuidString)")
    }

    /// The steps of publishing by hand, in the reader's language (the
    /// package's own checklist is the API's English).
    static func handOffSteps(_ package: HandOffPackage, handle: String, locale: UILocale) -> [Model.Sentence] {
        func t(_ key: String, _ arguments: String...) -> String { I18n.text(key, locale, arguments) }
        let platform = HandOffPlatform(rawValue: package.platform)
        let name = PostVocabulary.known("platform." + package.platform, locale) ?? package.platform
        let video = package.media.contains { $0.kind == .video }
        let media = package.media.map { item in
            t(
                "handoff.media_item", String(item.position), PostVocabulary.known("media.kind." + item.kind.rawValue, locale) ?? item.kind.rawValue,
                String(format: "%.1f", Double(item.bytes) / 1_048_576))
        }.joined(separator: t("post.list_separator"))
        var steps: [Model.Sentence] = []
        switch platform {
        case .xiaohongshu where !video:
            steps.append(.init(template: t("handoff.open_images", name, "{0}", media.isEmpty ? t("handoff.no_media") : media), typed: ["@" + handle]))
            steps.append(.init(template: t("handoff.cover_first_image")))
        case .xiaohongshu, .douyin:
            steps.append(.init(template: t("handoff.open_video", name, "{0}"), typed: ["@" + handle]))
            steps.append(.init(template: t("handoff.cover_video")))
        case nil:
            steps.append(.init(template: t("handoff.open_other", name, "{0}"), typed: ["@" + handle]))
            if !package.media.isEmpty { steps.append(.init(template: t("handoff.attach_media", media))) }
        }
        if package.title != nil { steps.append(.init(template: t("handoff.paste_title"))) }
        steps.append(.init(template: t(platform == .douyin ? "handoff.paste_description" : "handoff.paste_body")))
        if !package.topics.isEmpty {
            steps.append(.init(template: t("handoff.check_topics", "{0}"), typed: [package.topics.map { "#\($0)" }.joined(separator: " ")]))
        }
        switch platform {
        case .xiaohongshu: steps.append(.init(template: t("handoff.publish_note")))
        case .douyin: steps.append(.init(template: t("handoff.publish_video")))
        case nil: steps.append(.init(template: t("handoff.publish_other")))
        }
        steps.append(
            .init(
                template: t(
                    "handoff.copy_link",
                    t(platform == .douyin ? "handoff.what.video" : platform == .xiaohongshu ? "handoff.what.note" : "handoff.what.post"))))
        return steps
    }

    // MARK: View

    static func sentence(_ s: Model.Sentence) -> HTML {
        HTML.sentence(s.template, s.typed.map { HTML.typed($0) })
    }

    /// One card per account, drawn the way its platform will show the post.
    static func previews(_ model: Model, _ ctx: PageContext) -> HTML {
        guard !model.previews.isEmpty else { return .empty }
        let cards = model.previews.map { preview -> HTML in
            let shape = preview.shape
            let title: HTML =
                preview.shape.title.map { title -> HTML in
                    shape.titleRole == .contentWarning
                        ? "<p class=\"preview-warning\"><span class=\"muted\">\(ctx.t("post.preview_content_warning"))</span> <span class=\"preview-title\" translate=\"no\">\(title)</span></p>"
                        : "<h3 class=\"preview-title\" translate=\"no\">\(title)</h3>"
                } ?? .empty
            let pictures = HTML.join(
                preview.pictures.map { picture -> HTML in
                    "<img class=\"preview-image\" src=\"\(picture.src)\" alt=\"\(picture.alt)\" loading=\"lazy\">"
                })
            let videos: HTML = preview.videos > 0 ? "<span class=\"preview-video\" aria-label=\"\(ctx.t("media.kind.video"))\">▶</span>" : .empty
            let media: HTML =
                shape.layout == .none ? .empty : "<div class=\"preview-media preview-\(shape.layout.rawValue)\">\(pictures)\(videos)</div>"
            let more: HTML = shape.folded ? " <span class=\"preview-more\">\(ctx.t("post.preview_more"))</span>" : .empty
            let text: HTML = "<p class=\"preview-text\"><span translate=\"no\">\(shape.text)</span>\(more)</p>"
            let body: HTML = shape.layout == .cover ? "\(media)\(title)\(text)" : "\(title)\(text)\(media)"
            return """
                <article class="preview" data-platform="\(preview.platform)"><header>\(Badge.platform(preview.platform, ctx.locale)) \
                <span class="muted" translate="no">@\(preview.handle)</span></header>\(body)</article>
                """
        }
        return
            "<section id=\"previews\"><h2>\(ctx.t("post.previews"))</h2><p class=\"muted\">\(ctx.t("post.previews_intro"))</p><div class=\"preview-list\">\(HTML.join(cards))</div></section>"
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let facts = HTML.join(
            model.facts.map { HTML("\($0)") } + (model.campaign.map { [HTML.typed($0)] } ?? [])
                + (model.tags.isEmpty ? [] : [HTML.typed(model.tags.map { "#" + $0 }.joined(separator: " "))]), separator: " · ")
        let variants = model.variants.map { variantCard($0, ctx) }
        let emptyVariants: HTML = model.variants.isEmpty ? "<p class=\"empty\">\(ctx.t("post.no_variants"))</p>" : .empty
        let pacingItems = model.pacing.map { warning -> HTML in
            let others = warning.posts.filter { $0.postID != model.id }.map { post -> HTML in
                """
                <li><a href="\(model.listBase)/\(post.postID)" translate="no">\(post.title)</a> \(Badge.platform(post.platform, ctx.locale)) \
                <span translate="no">@\(post.handle)</span> \(Layout.time(post.at, ctx))</li>
                """
            }
            let list: HTML = others.isEmpty ? .empty : "<ul class=\"named-posts\">\(others)</ul>"
            return
                "<li class=\"\(warning.level)\" data-code=\"\(warning.code)\">\(HTML.sentence(warning.sentence, warning.typed.map { HTML.typed($0) }))\(list)</li>"
        }
        let pacing: HTML =
            pacingItems.isEmpty ? .empty : "<section class=\"card\" id=\"pacing\"><h2>\(ctx.t("post.pacing"))</h2><ul>\(pacingItems)</ul></section>"
        return """
            <div class="heading"><h1 translate="no">\(model.title)</h1>
            \(Badge.html(model.statusLabel, tone: model.tone, classes: "status-\(model.status)", id: "post-status"))</div>
            <p class="muted" id="post-facts">\(facts)</p>
            <div class="post-layout">
            <section class="variants" id="variants"><h2>\(ctx.t("post.variants"))</h2>\(variants)\(emptyVariants)\(previews(model, ctx))</section>
            <aside class="post-side">
            \(actions(model, ctx))
            \(pacing)
            \(reviewPanel(model, ctx))
            </aside>
            </div>
            """
    }

    static func variantCard(_ v: Model.Variant, _ ctx: PageContext) -> HTML {
        let violations = v.violations.map { violation -> HTML in
            "<li class=\"violation \(violation.severity)\" data-rule=\"\(violation.rule)\"><strong>\(violation.field)</strong> \(violation.message)</li>"
        }
        let violationList: HTML = violations.isEmpty ? "<p class=\"ok\">\(ctx.t("post.rules_ok"))</p>" : "<ul class=\"violations\">\(violations)</ul>"
        let link: HTML =
            v.link.map { url -> HTML in
                "<a class=\"platform-link\" href=\"\(url)\" rel=\"noopener\" target=\"_blank\">\(ctx.t("post.view_on_platform"))</a>"
            } ?? .empty
        let error: HTML =
            v.error.map { e -> HTML in
                "<p class=\"flash flash-error variant-error\">\(ctx.t("post.platform_said")) <span translate=\"no\">\(e)</span></p>"
            }
            ?? .empty
        let metricRows = v.metrics.map { m -> HTML in
            "<tr data-label=\"\(m.code)\"><th scope=\"row\">\(m.label)</th><td>\(m.impressions)</td><td>\(m.likes)</td><td>\(m.comments)</td><td>\(m.shares)</td></tr>"
        }
        let metrics: HTML =
            metricRows.isEmpty
            ? .empty
            : """
            <div class="table-scroll"><table class="metrics"><thead><tr><th></th><th>\(ctx.t("metrics.impressions"))</th><th>\(ctx.t("metrics.likes"))</th>\
            <th>\(ctx.t("metrics.comments"))</th><th>\(ctx.t("metrics.shares"))</th></tr></thead><tbody>\(metricRows)</tbody></table></div>
            """
        let attempts = v.attempts.map { a -> HTML in
            "<li>#\(a.number) \(Layout.time(a.at, ctx)) — \(a.outcome)\(a.message.map { m -> HTML in " · <span translate=\"no\">\(m)</span>" })</li>"
        }
        let history: HTML =
            attempts.isEmpty
            ? .empty
            : "<details class=\"attempts\"><summary>\(ctx.t("post.attempts", String(attempts.count)))</summary><ol>\(attempts)</ol></details>"
        let form: HTML =
            v.editable
            ? """
            <details class="fix"\(v.fixOpen ? HTML(raw: " open") : .empty)><summary>\(ctx.t("post.edit_variant"))</summary>
            <form method="post" action="\(v.action)" class="variant-form">\(ctx.csrfField)
            <div class="field"><label for="title-\(v.id)">\(ctx.t("post.title"))</label><input id="title-\(v.id)" name="title" value="\(v.title ?? "")"></div>
            <div class="field"><label for="text-\(v.id)">\(ctx.t("post.body"))</label><textarea id="text-\(v.id)" name="text" rows="5" data-platform="\(v.platform)" translate="no">\(v.suggested ?? v.text)</textarea>
            \(v.suggested != nil ? HTML("<small class=\"hint\">\(ctx.t("post.suggested_fit"))</small>") : .empty)</div>
            <div class="field"><label for="tags-\(v.id)">\(ctx.t("post.tags"))</label><input id="tags-\(v.id)" name="tags" value="\(v.tags)"></div>
            <button type="submit">\(ctx.t("post.save_variant"))</button></form></details>
            """
            : .empty
        let handOff: HTML =
            v.handOff.map { package -> HTML in
                """
                <section class="hand-off"><h3>\(ctx.t("post.hand_off"))</h3>
                \(package.title.map { t -> HTML in "<p><strong>\(ctx.t("post.title"))</strong></p><pre class=\"paste\" translate=\"no\">\(t)</pre>" })
                <p><strong>\(ctx.t("post.body"))</strong></p><pre class="paste" translate="no">\(package.body)</pre>
                <ol class="checklist">\(package.steps.map { step -> HTML in "<li>\(sentence(step))</li>" })</ol>
                <form method="post" action="\(package.action)" class="stack">\(ctx.csrfField)
                <label for="url-\(v.id)">\(ctx.t("post.published_link"))</label>
                <input id="url-\(v.id)" name="url" type="url" required>
                <button type="submit" class="primary">\(ctx.t("post.record_link"))</button></form></section>
                """
            } ?? .empty
        return """
            <article class="card variant" id="variant-\(v.id)" data-platform="\(v.platform)" data-state="\(v.state)">
            <header>\(Badge.platform(v.platform, ctx.locale)) <span translate="no">@\(v.handle)</span> \
            \(Badge.html(v.stateLabel, tone: v.tone, classes: "state-\(v.state)")) \(link)</header>
            \(v.title.map { t -> HTML in "<h3 translate=\"no\">\(t)</h3>" })
            <p class="variant-text" translate="no">\(v.text)</p>
            \(violationList)
            \(error)
            \(handOff)
            \(metrics)
            \(history)
            \(form)
            </article>
            """
    }

    static func actions(_ model: Model, _ ctx: PageContext) -> HTML {
        var parts: [HTML] = []
        func button(_ path: String, _ label: String, id: String, style: String = "") -> HTML {
            "<form method=\"post\" action=\"\(model.base)/\(path)\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" id=\"\(id)\" class=\"\(style)\">\(label)</button></form>"
        }
        if model.canEdit { parts.append("<a class=\"button\" href=\"\(model.base)/edit\" id=\"edit-post\">\(ctx.t("posts.edit"))</a>") }
        if model.canSubmit { parts.append(button("submit", ctx.t("posts.submit"), id: "submit-post", style: "primary")) }
        if let schedule = model.schedule {
            parts.append(
                """
                <form method="post" action="\(model.base)/schedule" id="schedule-form" class="stack">\(ctx.csrfField)
                <label for="scheduled_at">\(ctx.t("post.scheduled_at")) <span class="muted" translate="no">(\(schedule.timeZone))</span></label>
                <input type="datetime-local" id="scheduled_at" name="scheduled_at" value="\(schedule.value)" required>
                <button type="submit" class="primary" id="schedule-post">\(ctx.t("posts.schedule"))</button></form>
                """)
            if let best = schedule.bestTime {
                // The workspace's own history's best slot in the coming week.
                parts.append(
                    """
                    <form method="post" action="\(model.base)/schedule" class="inline" id="best-time-form">\(ctx.csrfField)
                    <input type="hidden" name="scheduled_at" value="\(best)">
                    <button type="submit" id="schedule-best-time">\(ctx.t("besttime.schedule_at", best.replacingOccurrences(of: "T", with: " ")))</button></form>
                    """)
            }
            parts.append(button("publish-now", ctx.t("posts.publish_now"), id: "publish-now"))
        }
        if model.canUnschedule { parts.append(button("unschedule", ctx.t("posts.unschedule"), id: "unschedule-post")) }
        if model.canRefreshMetrics { parts.append(button("metrics", ctx.t("posts.refresh_metrics"), id: "refresh-metrics")) }
        if model.canDelete { parts.append(button("delete", ctx.t("posts.delete"), id: "delete-post", style: "danger")) }
        let when: HTML =
            model.scheduledAt.map { "<p id=\"post-scheduled\">\(HTML.sentence(ctx.t("post.scheduled_for"), [Layout.time($0, ctx)]))</p>" } ?? .empty
        let nothing: HTML = parts.isEmpty ? "<p class=\"muted\">\(ctx.t("post.no_actions"))</p>" : .empty
        return "<section class=\"card\" id=\"post-actions\"><h2>\(ctx.t("post.actions"))</h2>\(when)\(HTML.join(parts))\(nothing)</section>"
    }

    static func reviewPanel(_ model: Model, _ ctx: PageContext) -> HTML {
        let steps = model.steps.map { step -> HTML in
            let mark = step.current ? HTML(raw: " class=\"current\" aria-current=\"step\"") : .empty
            let name: HTML = step.typed ? HTML.typed(step.name) : HTML("\(step.name)")
            return "<li\(mark)>\(name) <span class=\"muted\">\(step.who)</span></li>"
        }
        let history = model.history.map { entry -> HTML in
            let step: HTML = entry.step.map { name -> HTML in " · \(entry.stepTyped ? HTML.typed(name) : HTML("\(name)"))" } ?? .empty
            let who: HTML = entry.whoTyped ? HTML.typed(entry.who) : HTML("\(entry.who)")
            let comment: HTML = entry.comment.map { c -> HTML in "<blockquote translate=\"no\">\(c)</blockquote>" } ?? .empty
            let findings: HTML =
                entry.findings.isEmpty ? .empty : "<ul class=\"findings\">\(entry.findings.map { f -> HTML in "<li>\(sentence(f))</li>" })</ul>"
            return """
                <li data-decision="\(entry.decision)">\(Layout.time(entry.at, ctx)) · \(entry.decisionLabel)\(step) · \(who)\(comment)\(findings)</li>
                """
        }
        let waiting: HTML = model.othersDecide ? "<p class=\"muted\" id=\"review-others\">\(ctx.t("review.others_decide"))</p>" : .empty
        let form: HTML =
            model.canDecide
            ? """
            <form method="post" action="\(model.base)/review" id="review-form" class="stack">\(ctx.csrfField)
            <label for="comment">\(ctx.t("review.comment"))</label><textarea id="comment" name="comment" rows="3"></textarea>
            <div><button type="submit" name="decision" value="approve" class="primary" id="approve">\(ctx.t("review.approve"))</button>
            <button type="submit" name="decision" value="reject" class="danger" id="reject">\(ctx.t("review.reject"))</button></div></form>
            """
            : .empty
        let noHistory: HTML = model.history.isEmpty ? "<p class=\"muted\" id=\"review-none\">\(ctx.t("review.none_yet"))</p>" : .empty
        return """
            <section class="card" id="review"><h2>\(ctx.t("review.title"))</h2>
            <ol class="chain">\(steps)</ol>\(form)\(waiting)
            <h3>\(ctx.t("review.history"))</h3>\(noHistory)<ol class="history" reversed>\(history)</ol></section>
            """
    }
}
