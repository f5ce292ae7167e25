import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// Writing, reviewing, scheduling and deleting posts. Every change is
/// checked here (pages and API call the same methods), written with its
/// audit entry in one transaction, and bumps the post's version so queued
/// publishing work for the old content does nothing.
struct PostService {
    let db: any Database
    let app: Application

    /// What a person writes: the content once, the accounts it goes to,
    /// and optionally their own wording per account.
    struct Draft {
        var title: String?
        var body: String
        var pillar: String?
        var format: String?
        var pool: String?
        var topicID: String?
        var campaign: String?
        var tags: [String]
        var accountIDs: [String]
        var assetIDs: [String]
        /// Per account id: the variant as the person edited it.
        var variants: [String: VariantDraft]
        /// The campaign the post belongs to; `campaign` (a name) is the
        /// older way to say it and finds, or starts, the campaign of that name.
        var campaignID: String? = nil
    }

    struct VariantDraft {
        var title: String?
        var text: String
        var tags: [String]?
    }

    func create(_ draft: Draft, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Post {
        try access.require(.contentEdit)
        let checked = try await check(draft, in: access)
        let post = Post()
        post.id = TimeOrderedID.make(at: now)
        post.$workspace.id = access.workspaceID
        post.status = Post.Status.draft.rawValue
        post.reviewJSON = try ReviewProcess(chain: access.workspace.reviewChain).json()
        post.version = 1
        post.authorID = actor.userID
        post.createdAt = now
        checked.apply(to: post, now: now)
        try await db.writeTransaction { tx in
            try await Self.referCampaign(post, in: access, actor: actor, on: tx, now: now)
            try await post.create(on: tx)
            try await writeVariants(checked, for: post, on: tx, now: now)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "post.created", targetType: "post", targetID: post.id,
                after: checked.summary, now: now)
        }
        return post
    }

    /// An edit sends an approved or scheduled post back to draft and
    /// cancels its queued publishing. A post being published, or already
    /// out, cannot be edited: the platform has it.
    func update(_ rawID: String?, with draft: Draft, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Post {
        try access.require(.contentEdit)
        // A post that is not there is a 404 whatever the draft says.
        _ = try await access.find(Post.self, rawID, on: db, what: "Post")
        let checked = try await check(draft, in: access)
        return try await db.writeTransaction { tx in
            let post = try await access.find(Post.self, rawID, on: tx, what: "Post")
            try Self.requireEditable(post)
            let before = ["status": post.status, "version": String(post.version)]
            checked.apply(to: post, now: now)
            try await Self.referCampaign(post, in: access, actor: actor, on: tx, now: now)
            var review = try ReviewProcess(json: post.reviewJSON)
            review.edited(by: actor.reviewID, at: now)
            post.reviewJSON = try review.json()
            post.status = Post.Status.draft.rawValue
            post.scheduledAt = nil
            post.version += 1
            try await post.save(on: tx)
            try await PostVariant.query(on: tx).filter(\.$post.$id == post.id!).delete()
            try await writeVariants(checked, for: post, on: tx, now: now)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "post.edited", targetType: "post", targetID: post.id,
                before: before, after: checked.summary.merging(["version": String(post.version)]) { $1 }, now: now)
            return post
        }
    }

    /// Changes one account's wording, keeping everything else as it is.
    func editVariant(
        _ post: Post, variant: PostVariant, _ edited: VariantDraft, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    )
        async throws -> Post
    {
        let variants = try await PostVariant.query(on: db).filter(\.$post.$id == post.id!).all()
        let assets = try await PostAsset.query(on: db).filter(\.$post.$id == post.id!).sort(\.$position).all()
        var own: [String: VariantDraft] = [:]
        for other in variants {
            own[other.$account.id.uuidString] = VariantDraft(title: other.title, text: other.text, tags: other.tags)
        }
        own[variant.$account.id.uuidString] = edited
        let draft = Draft(
            title: post.title, body: post.body, pillar: post.pillar, format: post.format, pool: post.pool, topicID: post.topicID?.uuidString,
            campaign: post.campaign, tags: post.tags, accountIDs: variants.map { $0.$account.id.uuidString },
            assetIDs: assets.map { $0.$asset.id.uuidString }, variants: own, campaignID: post.campaignID?.uuidString)
        return try await update(post.id!.uuidString, with: draft, in: access, actor: actor, now: now)
    }

    func delete(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.contentEdit)
        try await db.writeTransaction { tx in
            let post = try await access.find(Post.self, rawID, on: tx, what: "Post")
            let states = try await PostVariant.query(on: tx).filter(\.$post.$id == post.id!).all().map(\.variantState)
            if states.contains(where: { $0 == .publishing || $0 == .unconfirmed }) {
                throw Problem(.conflict, "This post is being published right now; wait for the outcome, then delete it.", type: "post-publishing")
            }
            try await post.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "post.deleted", targetType: "post", targetID: post.id,
                before: ["status": post.status, "body": String(post.body.prefix(80))], now: now)
        }
    }

    /// A post named by its campaign's name only (the API's `campaign`, a
    /// CSV import's column) is given that campaign's reference, the
    /// campaign being started (empty, launching on the post's day) when the
    /// workspace has none of that name: in the post's own transaction, so
    /// a refused post leaves no campaign behind.
    static func referCampaign(_ post: Post, in access: WorkspaceAccess, actor: Actor, on tx: any Database, now: Date) async throws {
        guard post.campaignID == nil, let name = post.campaign else { return }
        let day = MetricDay.of(post.scheduledAt ?? now, in: access.workspace.zone)
        post.campaignID = try await CampaignsSurface.reference(named: name, workspaceID: access.workspaceID, day: day, actor: actor, on: tx, now: now)
    }

    static func requireEditable(_ post: Post) throws {
        switch post.postStatus {
        case .publishing, .published, .handOff:
            throw Problem(
                .conflict, "This post is already (being) published and can no longer be edited; write a new post instead.", type: "post-published")
        case .failed:
            // A failed post may be fixed and sent again.
            break
        default: break
        }
    }

    // MARK: - Checking a draft

    struct Checked {
        var title: String?
        var body: String
        var pillar: Pillar
        var format: ContentFormat
        var pool: ContentPool
        var topicID: UUID?
        var campaign: String?
        var campaignID: UUID?
        var tags: [String]
        var accounts: [SocialAccount]
        var assets: [Asset]
        var variants: [UUID: Variant]

        func apply(to post: Post, now: Date) {
            post.title = title
            post.body = body
            post.pillar = pillar.rawValue
            post.format = format.rawValue
            post.pool = pool.rawValue
            post.topicID = topicID
            post.campaign = campaign
            post.campaignID = campaignID
            post.tags = tags
            post.updatedAt = now
        }

        var summary: [String: String] {
            [
                "title": title ?? "", "body": String(body.prefix(80)), "pillar": pillar.rawValue,
                "accounts": accounts.map(\.handle).joined(separator: ","),
            ]
        }
    }

    private func check(_ draft: Draft, in access: WorkspaceAccess) async throws -> Checked {
        var errors = ValidationErrors()
        let title = draft.title.nonEmpty?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let title, title.count > 200 { errors.add("title", .lengthAtMost(max: 200)) }
        let body = draft.body.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.isEmpty { errors.add("body", .notEmpty) }
        if body.count > 50_000 { errors.add("body", .lengthAtMost(max: 50_000)) }
        let pillar = errors.collect { () throws(ValidationErrors) in try Pillar(validating: draft.pillar.nonEmpty ?? "basic", field: "pillar") }
        let format = errors.collect { () throws(ValidationErrors) in
            try ContentFormat(validating: draft.format.nonEmpty ?? "image_text", field: "format")
        }
        let pool = errors.collect { () throws(ValidationErrors) in try ContentPool(validating: draft.pool.nonEmpty ?? "regular", field: "pool") }
        var campaign = draft.campaign.nonEmpty?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let name = campaign, name.count > 100 { errors.add("campaign", .lengthAtMost(max: 100)) }
        var campaignID: UUID?
        if let raw = draft.campaignID.nonEmpty {
            if let id = UUID(uuidString: raw), let name = try await CampaignsSurface.name(of: id, workspaceID: access.workspaceID, on: db) {
                (campaignID, campaign) = (id, name)
            } else {
                errors.add("campaign_id", .oneOf(choices: try await CampaignsSurface.ids(workspaceID: access.workspaceID, on: db)))
            }
        }
        var tags: [String] = []
        for raw in draft.tags {
            let tag = raw.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: "#")))
            if tag.isEmpty { continue }
            if tag.count > 40 || tag.contains(where: \.isWhitespace) {
                errors.add("tags", .tagWithoutSpaces(tag: tag))
            } else if !tags.contains(tag) {
                tags.append(tag)
            }
        }
        if tags.count > 30 { errors.add("tags", .tagsAtMost(max: 30)) }

        var topicID: UUID?
        if let raw = draft.topicID.nonEmpty {
            if let id = UUID(uuidString: raw), try await access.query(Topic.self, on: db).filter(\.$id == id).first() != nil {
                topicID = id
            } else {
                errors.add("topic_id", .topicId)
            }
        }
        let accounts = try await resolve(
            draft.accountIDs, SocialAccount.self, field: "account_ids", invalid: { .accountIdsInvalid(value: $0) },
            notFound: { .accountIdsNotFound(missing: $0) }, in: access, errors: &errors)
        if accounts.isEmpty, !errors.issues.contains(where: { $0.field == "account_ids" }) {
            errors.add("account_ids", .accountIdsRequired)
        }
        let assets = try await resolve(
            draft.assetIDs, Asset.self, field: "asset_ids", invalid: { .assetIdsInvalid(value: $0) }, notFound: { .assetIdsNotFound(missing: $0) },
            in: access, errors: &errors)

        var variants: [UUID: Variant] = [:]
        let media = assets.map(\.attachment)
        let contentDraft = ContentDraft(title: title, body: body, hashtags: tags, media: media)
        for account in accounts {
            let rules = PlatformRules.standard[account.rulesPlatform] ?? PlatformRules.standard["sandbox"]!
            if let edited = draft.variants[account.id!.uuidString.lowercased()] ?? draft.variants[account.id!.uuidString] {
                let text = edited.text.trimmingCharacters(in: .whitespacesAndNewlines)
                if text.isEmpty { errors.add("variants.\(account.id!.uuidString.lowercased()).text", .notEmpty) }
                variants[account.id!] = Variant(
                    title: edited.title.nonEmpty?.trimmingCharacters(in: .whitespacesAndNewlines), text: text, tags: edited.tags ?? [], media: media)
            } else {
                // Kept as written: a rule it breaks is shown, with the
                // adapter's shortened version offered as the fix.
                variants[account.id!] = VariantAdapter.written(contentDraft, for: rules)
            }
        }
        try errors.throwIfAny()
        return Checked(
            title: title, body: body, pillar: pillar!, format: format!, pool: pool!, topicID: topicID, campaign: campaign, campaignID: campaignID,
            tags: tags, accounts: accounts, assets: assets, variants: variants)
    }

    private func resolve<M: WorkspaceOwned>(
        _ raw: [String], _ type: M.Type, field: String, invalid: (String) -> CodedMessage, notFound: ([String]) -> CodedMessage,
        in access: WorkspaceAccess, errors: inout ValidationErrors
    ) async throws -> [M] {
        var ids: [UUID] = []
        for value in raw where !value.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let id = UUID(uuidString: value.trimmingCharacters(in: .whitespaces)) else {
                errors.add(field, invalid(value))
                continue
            }
            if !ids.contains(id) { ids.append(id) }
        }
        guard !ids.isEmpty else { return [] }
        let found = try await access.query(type, on: db).filter(\._$id ~~ ids).all()
        if found.count != ids.count {
            let missing = ids.filter { id in !found.contains { $0.id == id } }
            errors.add(field, notFound(missing.map(\.uuidString)))
        }
        return ids.compactMap { id in found.first { $0.id == id } }
    }

    private func writeVariants(_ checked: Checked, for post: Post, on db: any Database, now: Date) async throws {
        for account in checked.accounts {
            let variant = PostVariant()
            let proposed = checked.variants[account.id!]!
            variant.id = TimeOrderedID.make(at: now)
            variant.$workspace.id = post.$workspace.id
            variant.$post.id = post.id!
            variant.$account.id = account.id!
            variant.platform = account.rulesPlatform
            variant.title = proposed.title
            variant.text = proposed.text
            variant.tags = proposed.tags
            variant.state = PostVariant.State.pending.rawValue
            variant.attempts = 0
            variant.updatedAt = now
            try await variant.create(on: db)
        }
        for (position, asset) in checked.assets.enumerated() {
            let link = PostAsset()
            link.$post.id = post.id!
            link.$asset.id = asset.id!
            link.position = position
            try await link.create(on: db)
        }
        if post.id != nil, try await PostAsset.query(on: db).filter(\.$post.$id == post.id!).count() > checked.assets.count {
            try await PostAsset.query(on: db).filter(\.$post.$id == post.id!).filter(\.$asset.$id !~ checked.assets.map { $0.id! }).delete()
        }
    }
}
