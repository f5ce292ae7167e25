import FanfareCore
import Fluent
import Vapor

/// Keeping segments: a name unique in the workspace, a rule checked by the
/// Core, every change audited; counted and listed live.
struct SegmentService {
    let db: any Database

    struct Input: Content {
        var name: String?
        var rule: SegmentRule?
    }

    func list(in access: WorkspaceAccess) async throws -> [Segment] {
        try access.require(.fansView)
        return try await access.query(Segment.self, on: db).sort(\.$name).all()
    }

    func find(_ rawID: String?, in access: WorkspaceAccess) async throws -> Segment {
        try access.require(.fansView)
        return try await access.find(Segment.self, rawID, on: db, what: "Segment")
    }

    func scan(in access: WorkspaceAccess, now: Date = Date()) throws -> SegmentScan {
        try SegmentScan(db, workspaceID: access.workspaceID, zone: TimeZone(identifier: access.workspace.timeZone) ?? .gmt, now: now)
    }

    /// The live count of a rule, saved or not: what the segment builder shows as it changes.
    func count(_ rule: SegmentRule?, in access: WorkspaceAccess) async throws -> Int {
        try access.require(.fansView)
        let rule = try Self.checked(rule)
        return try await scan(in: access).count(rule)
    }

    static func checked(_ rule: SegmentRule?) throws -> SegmentRule {
        guard let rule else { throw ValidationErrors("rule", .segmentRuleRequired) }
        var errors = ValidationErrors()
        for problem in rule.validate() { errors.add(problem.field, problem.coded) }
        try errors.throwIfAny()
        return rule
    }

    private func validate(_ input: Input, in access: WorkspaceAccess, except id: UUID? = nil) async throws -> (String, SegmentRule) {
        let name = (input.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var errors = ValidationErrors()
        if name.isEmpty || name.count > 100 { errors.add("name", .lengthBetween(min: 1, max: 100)) }
        if let rule = input.rule {
            for problem in rule.validate() { errors.add(problem.field, problem.coded) }
        } else {
            errors.add("rule", .segmentRuleRequired)
        }
        if !name.isEmpty {
            let clash = access.query(Segment.self, on: db).filter(\.$name == name)
            if let id { clash.filter(\.$id != id) }
            if try await clash.first() != nil { errors.add("name", .segmentNameTaken) }
        }
        try errors.throwIfAny()
        return (name, input.rule!)
    }

    private func json(_ rule: SegmentRule) throws -> String {
        String(decoding: try JSONEncoder.sortedKeys.encode(rule), as: UTF8.self)
    }

    func create(_ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Segment {
        try access.require(.fansManage)
        let (name, rule) = try await validate(input, in: access)
        let segment = Segment()
        segment.id = TimeOrderedID.make(at: now)
        segment.$workspace.id = access.workspaceID
        segment.name = name
        segment.ruleJSON = try json(rule)
        segment.createdAt = now
        segment.updatedAt = now
        try await db.writeTransaction { tx in
            try await segment.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "segment.created", targetType: "segment", targetID: segment.id,
                after: ["name": name, "rule": segment.ruleJSON], now: now)
        }
        return segment
    }

    func update(_ rawID: String?, _ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Segment {
        try access.require(.fansManage)
        let segment = try await access.find(Segment.self, rawID, on: db, what: "Segment")
        let (name, rule) = try await validate(input, in: access, except: segment.id)
        let before = ["name": segment.name, "rule": segment.ruleJSON]
        segment.name = name
        segment.ruleJSON = try json(rule)
        segment.updatedAt = now
        try await db.writeTransaction { tx in
            try await segment.update(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "segment.updated", targetType: "segment", targetID: segment.id,
                before: before, after: ["name": name, "rule": segment.ruleJSON], now: now)
        }
        return segment
    }

    /// A segment an inbox rule still names cannot go: the rule would silently stop matching.
    func delete(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.fansManage)
        let segment = try await access.find(Segment.self, rawID, on: db, what: "Segment")
        let users = try await access.query(InboxRuleRecord.self, on: db).all().filter { $0.conditions.segmentIDs.contains(segment.id!) }
        if let rule = users.first {
            throw Problem(.conflict, "The inbox rule “\(rule.name)” uses this segment; change the rule first.")
        }
        try await db.writeTransaction { tx in
            try await segment.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "segment.deleted", targetType: "segment", targetID: segment.id,
                before: ["name": segment.name, "rule": segment.ruleJSON], now: now)
        }
    }

    /// The segment's live count and a page of its fans' ids, in one pass
    /// over the fans (the page reads what it shows of them as plain rows).
    func countAndMemberIDs(_ rule: SegmentRule, page: PageQuery, in access: WorkspaceAccess) async throws -> (count: Int, ids: [UUID], next: String?)
    {
        let scan = try scan(in: access)
        if page.after != nil {
            // A later page starts at the cursor; the count starts at the first fan.
            let (ids, next) = try await memberIDs(rule, page: page, in: access)
            return (try await scan.count(rule), ids, next)
        }
        var count = 0
        var found: [UUID] = []
        try await scan.scanIDs([rule]) { matching in
            count += matching[0].count
            if found.count <= page.limit { found += matching[0].prefix(page.limit + 1 - found.count) }
            return true
        }
        let (ids, next) = page.page(found) { $0 }
        return (count, ids, next)
    }

    /// The segment's live count and a page of its fans as models.
    func countAndMembers(_ segment: Segment, page: PageQuery, in access: WorkspaceAccess) async throws -> (count: Int, fans: [Fan], next: String?) {
        let (count, ids, next) = try await countAndMemberIDs(segment.rule, page: page, in: access)
        return (count, try await scan(in: access).fans(ids), next)
    }

    /// A page of the segment's fans, in id order.
    func members(_ segment: Segment, page: PageQuery, in access: WorkspaceAccess) async throws -> (fans: [Fan], next: String?) {
        let (ids, next) = try await memberIDs(segment.rule, page: page, in: access)
        return (try await scan(in: access).fans(ids), next)
    }

    /// The ids of a page of a rule's fans, in id order.
    func memberIDs(_ rule: SegmentRule, page: PageQuery, in access: WorkspaceAccess) async throws -> (ids: [UUID], next: String?) {
        let scan = try scan(in: access)
        var found: [UUID] = []
        try await scan.scanIDs([rule], after: page.after) { matching in
            found += matching[0]
            return found.count <= page.limit
        }
        let (ids, next) = page.page(Array(found.prefix(page.limit + 1))) { $0 }
        return (ids, next)
    }

    /// Every member as CSV. Names and platform ids only for roles that may
    /// see personal data, and that view is audited like any other.
    func export(_ segment: Segment, in access: WorkspaceAccess, actor: Actor) async throws -> String {
        try access.require(.reportsExport)
        let unmasked = access.can(.fansPersonalData)
        let scan = try scan(in: access)
        var writer = CSVWriter(header: [
            "fan_id", "display_name", "platforms", "activity_tier", "value_tier", "stage", "interactions_30d", "points", "level", "region", "tags",
        ])
        var exported = 0
        try await scan.scan(segment.rule) { fans in
            let identities = try await FanIdentity.query(on: db).filter(\.$fan.$id ~~ fans.compactMap(\.id)).all()
            let byFan = Dictionary(grouping: identities, by: { $0.$fan.id })
            for fan in fans {
                let handles = (byFan[fan.id!] ?? []).map { "\($0.platform):\(unmasked ? $0.authorID : PersonalDataMask.handle($0.authorID))" }
                let attributes = fan.attributes
                writer.append([
                    fan.id!.uuidString.lowercased(), unmasked ? fan.displayName : PersonalDataMask.name(fan.displayName),
                    handles.joined(separator: " "), fan.activityTier, fan.valueTier, fan.stage, String(fan.interactions30d),
                    String(fan.pointsBalance), String(fan.level), attributes.region ?? "", attributes.tags.joined(separator: " "),
                ])
            }
            exported += fans.count
            return true
        }
        try await AuditLog.record(
            on: db, actor: actor, workspaceID: access.workspaceID, action: "segment.exported", targetType: "segment", targetID: segment.id,
            after: ["fans": String(exported), "personal_data": String(unmasked)])
        return writer.text
    }
}
