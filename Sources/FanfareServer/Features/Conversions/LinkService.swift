import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Making, listing and disabling tracked links, and their click counts.
struct LinkService {
    let db: any Database

    struct Input: Content {
        var destination: String?
        var utmSource: String?
        var utmMedium: String?
        var utmCampaign: String?
        var utmContent: String?
        var utmTerm: String?
        var postId: String?
        var campaign: String?
        var accountId: String?
    }

    static func shortURL(base: String, code: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/l/" + code
    }

    /// What the target says the UTM defaults are.
    struct Target {
        var kind: String
        var postID: UUID?
        var variantID: UUID?
        var accountID: UUID?
        var campaign: String?
        var platform: String?
    }

    func create(_ input: Input, in access: WorkspaceAccess, by userID: UUID?, now: Date = Date()) async throws -> ShortLink {
        var errors = ValidationErrors()
        var destination: URL?
        switch LinkDestination.validate(input.destination) {
        case .success(let url): destination = url
        case .failure(let coded): errors.add("destination", coded)
        }
        let utmFields: [(String, String?)] = [
            ("utm_source", input.utmSource), ("utm_medium", input.utmMedium), ("utm_campaign", input.utmCampaign),
            ("utm_content", input.utmContent), ("utm_term", input.utmTerm),
        ]
        for (field, value) in utmFields {
            guard let value else { continue }
            if value.count > LinkDestination.maxUTMLength {
                errors.add(field, .lengthAtMost(max: LinkDestination.maxUTMLength))
            } else if value.contains(where: { $0.isNewline || ($0.asciiValue.map { $0 < 32 } ?? false) }) {
                errors.add(field, .singleLine)
            }
        }
        let given = [input.postId, input.campaign, input.accountId].filter { ($0?.trimmingCharacters(in: .whitespaces) ?? "").isEmpty == false }
        var target: Target?
        if given.count != 1 {
            errors.add("target", .linkTargetOne)
        } else {
            target = try await resolveTarget(input, in: access, errors: &errors)
        }
        try errors.throwIfAny()
        guard let destination, let target else { throw errors }

        func pick(_ value: String?, _ fallback: String?) -> String? {
            let trimmed = value?.trimmingCharacters(in: .whitespaces)
            return trimmed?.isEmpty == false ? trimmed : fallback
        }
        let utm = UTM(
            source: pick(input.utmSource, target.platform ?? "fanfare"), medium: pick(input.utmMedium, "social"),
            campaign: pick(input.utmCampaign, target.campaign), content: pick(input.utmContent, nil), term: pick(input.utmTerm, nil))
        let link = ShortLink()
        link.$workspace.id = access.workspaceID
        link.destination = destination.absoluteString
        link.destinationWithUTM = LinkDestination.withParameters(destination.absoluteString, utm: utm)
        link.utmSource = utm.source
        link.utmMedium = utm.medium
        link.utmCampaign = utm.campaign
        link.utmContent = utm.content
        link.utmTerm = utm.term
        link.targetKind = target.kind
        link.postID = target.postID
        link.variantID = target.variantID
        link.accountID = target.accountID
        link.campaign = target.kind == "campaign" ? target.campaign : nil
        link.createdBy = userID
        link.createdAt = now
        // A new code on the (rare) collision with an existing one.
        for attempt in 0..<5 {
            link.id = TimeOrderedID.make(at: now)
            link.code = ShortCode.make()
            do {
                try await link.create(on: db)
                return link
            } catch let error as any DatabaseError where error.isConstraintFailure && attempt < 4 {
                link.$id.exists = false
                continue
            }
        }
        return link
    }

    private func resolveTarget(_ input: Input, in access: WorkspaceAccess, errors: inout ValidationErrors) async throws -> Target? {
        guard let sql = db as? any SQLDatabase else { return nil }
        if let raw = input.postId?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            guard let id = UUID(uuidString: raw) else {
                errors.add("post_id", .postId)
                return nil
            }
            if let row = try await sql.raw(
                """
                SELECT v.post_id, v.platform, p.campaign FROM post_variants v JOIN posts p ON p.id = v.post_id
                WHERE v.id = \(bind: id) AND v.workspace_id = \(bind: access.workspaceID) AND p.workspace_id = \(bind: access.workspaceID)
                """
            ).first() {
                return Target(
                    kind: "post", postID: try row.decode(column: "post_id", as: UUID.self), variantID: id,
                    campaign: try row.decode(column: "campaign", as: String?.self), platform: try row.decode(column: "platform", as: String.self))
            }
            if let row = try await sql.raw(
                "SELECT campaign FROM posts WHERE id = \(bind: id) AND workspace_id = \(bind: access.workspaceID)"
            ).first() {
                let platforms = try await sql.raw(
                    "SELECT DISTINCT platform FROM post_variants WHERE post_id = \(bind: id) AND workspace_id = \(bind: access.workspaceID)"
                ).all().map { try $0.decode(column: "platform", as: String.self) }
                return Target(
                    kind: "post", postID: id, campaign: try row.decode(column: "campaign", as: String?.self),
                    platform: platforms.count == 1 ? platforms[0] : nil)
            }
            errors.add("post_id", .postId)
            return nil
        }
        if let raw = input.accountId?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            guard let id = UUID(uuidString: raw),
                let row = try await sql.raw(
                    "SELECT platform FROM social_accounts WHERE id = \(bind: id) AND workspace_id = \(bind: access.workspaceID)"
                ).first()
            else {
                errors.add("account_id", .accountId)
                return nil
            }
            return Target(kind: "account", accountID: id, platform: try row.decode(column: "platform", as: String.self))
        }
        let campaign = (input.campaign ?? "").trimmingCharacters(in: .whitespaces)
        guard campaign.count <= LinkDestination.maxUTMLength, !campaign.contains(where: \.isNewline) else {
            errors.add("campaign", .lengthBetween(min: 1, max: LinkDestination.maxUTMLength))
            return nil
        }
        return Target(kind: "campaign", campaign: campaign)
    }

    func find(_ rawID: String?, in access: WorkspaceAccess) async throws -> ShortLink {
        try await access.find(ShortLink.self, rawID, on: db, what: "link")
    }

    /// Newest first; only one post's or one account's links when asked.
    func list(postID: UUID?, accountID: UUID?, page: PageQuery, in access: WorkspaceAccess) async throws -> (items: [ShortLink], next: String?) {
        var query = access.query(ShortLink.self, on: db).sort(\.$id, .descending).limit(page.limit + 1)
        if let postID { query = query.filter(\.$postID == postID) }
        if let accountID { query = query.filter(\.$accountID == accountID) }
        if let after = page.after { query = query.filter(\.$id < after) }
        let rows = try await query.all()
        let (items, next) = page.page(rows) { $0.id! }
        return (items, next)
    }

    /// Disabled links answer 404 at once on this node and within the link
    /// cache's lifetime on the others.
    func disable(_ link: ShortLink, now: Date = Date()) async throws {
        guard link.disabledAt == nil else { return }
        link.disabledAt = now
        try await link.save(on: db)
    }

    /// Click counts of each link.
    func clicks(of linkIDs: [UUID], in workspaceID: UUID) async throws -> [UUID: ClickCounts] {
        guard !linkIDs.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        var counts: [UUID: ClickCounts] = [:]
        for start in stride(from: 0, to: linkIDs.count, by: 500) {
            let chunk = linkIDs[start..<min(linkIDs.count, start + 500)]
            for row in try await sql.raw(
                """
                SELECT link_id,
                CAST(COALESCE(SUM(CASE WHEN bot THEN 0 ELSE 1 END), 0) AS BIGINT) AS total,
                CAST(COALESCE(SUM(CASE WHEN bot OR repeated THEN 0 ELSE 1 END), 0) AS BIGINT) AS uniques,
                CAST(COALESCE(SUM(CASE WHEN bot THEN 1 ELSE 0 END), 0) AS BIGINT) AS bots
                FROM link_clicks WHERE workspace_id = \(bind: workspaceID) AND link_id IN \(SQLGroupExpression(chunk.map { SQLBind($0) }))
                GROUP BY link_id
                """
            ).all() {
                counts[try row.decode(column: "link_id", as: UUID.self)] = ClickCounts(
                    total: try row.decode(column: "total", as: Int.self), unique: try row.decode(column: "uniques", as: Int.self),
                    bots: try row.decode(column: "bots", as: Int.self))
            }
        }
        return counts
    }
}
