import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// A workspace's outbound channels: saved with their routes (the address
/// and secret sealed), listed, changed, removed, tested. Managing them is
/// a settings matter: `workspace.update` (owners and admins).
struct ChannelService {
    let db: any Database
    let app: Application

    struct Input: Content {
        var kind: String?
        var name: String?
        var address: String?
        var secret: String?
        var enabled: Bool?
        var eventKinds: [String]?
        var minGrade: String?
        var monitorIds: [String]?
        var locale: String?
    }

    /// The robots and the webhook, and `email` (sent through the
    /// workspace's own mail server, `NotifySMTPSettings`).
    static var kinds: [String] { NotifyChannelKind.allCases.map(\.rawValue) + [email] }
    static let email = "email"
    static let maxRecipients = 20
    static var securities: [String] { SMTPServer.Security.allCases.map(\.rawValue) }
    static var eventKinds: [String] { OutboundEvent.Kind.allCases.map(\.rawValue) }
    static var grades: [String] { AlertGrade.allCases.map(\.rawValue) }
    static let maxMonitors = 50

    /// A saved channel, with the secret Fanfare made for a webhook that
    /// was given none (shown this once, so the receiver can check).
    struct Saved {
        var row: NotifyChannelRecord
        var generatedSecret: String?
    }

    // MARK: Reading

    func list(in access: WorkspaceAccess) async throws -> [NotifyChannelRecord] {
        try access.require(.workspaceUpdate)
        return try await access.query(NotifyChannelRecord.self, on: db).sort(\.$name).sort(\.$id).all()
    }

    func find(_ raw: String?, in access: WorkspaceAccess) async throws -> NotifyChannelRecord {
        try await access.find(NotifyChannelRecord.self, raw, on: db, what: "Channel")
    }

    func deliveries(of channel: NotifyChannelRecord, page: PageQuery) async throws -> (items: [NotifyDelivery], next: String?) {
        var query = NotifyDelivery.query(on: db).filter(\.$channel.$id == channel.id!).sort(\.$id, .descending).limit(page.limit + 1)
        if let after = page.after { query = query.filter(\.$id < after) }
        let (items, next) = page.page(try await query.all()) { $0.id! }
        return (items, next)
    }

    // MARK: Saving

    /// Creates (`existing` nil) or changes a channel. On a change, an empty
    /// address or secret keeps the stored one; the kind never changes.
    func save(
        _ input: Input, existing: NotifyChannelRecord?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws
        -> Saved
    {
        try access.require(.workspaceUpdate)
        var errors = ValidationErrors()
        let stored = try existing.map { try open($0) }
        let kindText = existing?.kind ?? (input.kind ?? "").trimmingCharacters(in: .whitespaces)
        let kind = NotifyChannelKind(rawValue: kindText)
        let isEmail = kindText == Self.email
        if kind == nil, !isEmail { errors.add("kind", .isRequiredOneOf(choices: Self.kinds)) }
        let name = (input.name ?? existing?.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 100 { errors.add("name", .lengthBetween(min: 1, max: 100)) }
        let typedAddress = (input.address ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let typedSecret = (input.secret ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let address = typedAddress.isEmpty ? (stored?.address ?? "") : typedAddress
        let secret = typedSecret.isEmpty ? stored?.secret : typedSecret
        var checked: NotifyChannel?
        var recipients: [String] = []
        if isEmail {
            // An email channel's address is its recipients, one a line or separated by commas.
            recipients = ListText.items(address)
            if recipients.isEmpty {
                errors.add("address", .required)
            } else if recipients.count > Self.maxRecipients {
                errors.add("address", .itemsAtMost(max: Self.maxRecipients, count: recipients.count))
            } else if !recipients.allSatisfy(SMTPMail.isAddress) {
                errors.add("address", .email(example: "ops@example.com"))
            }
        } else if let kind {
            if address.isEmpty {
                errors.add("address", .required)
            } else {
                let policy = app.settings.outboundPolicy
                checked = errors.collect { () throws(ValidationErrors) in
                    try NotifyChannel.checked(kind: kind, address: address, secret: secret) { url in
                        // http only to an address the operator allowed by name (a
                        // receiver beside the server), never to the public internet.
                        guard let host = url.host.map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "[]")) }),
                            let ip = IPAddress(host)
                        else { return false }
                        return policy.allowedRanges.contains { $0.contains(ip) }
                    }
                }
            }
        }
        // A robot's host is the platform's own (checked by its prefix); a
        // webhook's is anyone's, so it is decided by the guard's policy now.
        if let checked, checked.kind == .webhook,
            !(await Self.reachable(checked.address, policy: app.settings.outboundPolicy, resolver: app.outboundResolver))
        {
            errors.add("address", .addressUnreachable(host: checked.address.host ?? address))
        }
        let eventKinds =
            input.eventKinds.map { $0.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            ?? existing?.route.kinds.sorted() ?? Self.eventKinds
        if eventKinds.isEmpty {
            errors.add("event_kinds", .valuesRequired)
        } else if let bad = eventKinds.first(where: { !Self.eventKinds.contains($0) }) {
            errors.add("event_kinds", .unknownValue(value: bad, choices: Self.eventKinds))
        }
        let gradeText = input.minGrade.map { $0.trimmingCharacters(in: .whitespaces) } ?? existing?.minGrade ?? ""
        if !gradeText.isEmpty, AlertGrade(rawValue: gradeText) == nil { errors.add("min_grade", .oneOf(choices: Self.grades)) }
        let monitorTexts = input.monitorIds.map { $0.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        let monitors: [UUID]
        if let monitorTexts {
            if let bad = monitorTexts.first(where: { UUID(uuidString: $0) == nil }) {
                errors.add("monitor_ids", .unknownValue(value: bad, choices: []))
            } else if monitorTexts.count > Self.maxMonitors {
                errors.add("monitor_ids", .itemsAtMost(max: Self.maxMonitors, count: monitorTexts.count))
            }
            monitors = monitorTexts.compactMap(UUID.init(uuidString:))
        } else {
            monitors = existing?.route.monitorIDs.sorted { $0.uuidString < $1.uuidString } ?? []
        }
        let locale = errors.collect { () throws(ValidationErrors) in
            try UILocale(validating: input.locale ?? existing?.locale ?? UILocale.zhHans.rawValue)
        }
        try errors.throwIfAny()
        guard checked != nil || isEmail, let locale else { throw errors }

        let row = existing ?? NotifyChannelRecord()
        let before = existing.map(Self.auditFacts) ?? [:]
        if row.id == nil {
            row.id = TimeOrderedID.make(at: now)
            row.$workspace.id = access.workspaceID
            row.kind = kindText
            row.createdAt = now
        }
        row.name = name
        if let checked {
            row.addressHint = Self.hint(of: checked.address, kind: checked.kind)
            row.sealed = try seal(NotifyChannelRecord.Sealed(address: checked.address.absoluteString, secret: checked.secret), for: row)
        } else {
            // Recipients are not secret; sealed all the same, like every address.
            row.addressHint = String(recipients.joined(separator: ", ").prefix(200))
            row.sealed = try seal(NotifyChannelRecord.Sealed(address: recipients.joined(separator: ", "), secret: nil), for: row)
        }
        row.enabled = input.enabled ?? existing?.enabled ?? true
        row.eventKinds = Set(eventKinds).sorted().joined(separator: " ")
        row.minGrade = gradeText.isEmpty ? nil : gradeText
        row.monitorIDs = monitors.map(\.uuidString).joined(separator: " ")
        row.locale = locale.rawValue
        row.updatedAt = now
        let generated = checked?.kind == .webhook && (secret ?? "").isEmpty ? checked?.secret : nil
        var facts = Self.auditFacts(row)
        facts["secret"] = existing == nil || !typedSecret.isEmpty || generated != nil ? "replaced" : "kept"
        let after = facts
        try await db.writeTransaction { tx in
            try await row.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: existing == nil ? "notify_channel.created" : "notify_channel.changed",
                targetType: "notify_channel", targetID: row.id, before: before, after: after, now: now)
        }
        return Saved(row: row, generatedSecret: generated)
    }

    func delete(_ row: NotifyChannelRecord, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.workspaceUpdate)
        try await db.writeTransaction { tx in
            try await NotifyDelivery.query(on: tx).filter(\.$channel.$id == row.id!).delete()
            try await row.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "notify_channel.deleted", targetType: "notify_channel",
                targetID: row.id, before: Self.auditFacts(row), now: now)
        }
    }

    // MARK: The mail server

    struct SMTPInput: Content {
        var host: String?
        var port: Int?
        var security: String?
        var username: String?
        var password: String?
        var fromAddress: String?
    }

    func smtp(in workspaceID: UUID) async throws -> NotifySMTPSettings? {
        try await NotifySMTPSettings.query(on: db).filter(\.$workspace.$id == workspaceID).first()
    }

    /// Saves the workspace's mail server. An empty password keeps the
    /// stored one. The host must be one the guarded policy lets Fanfare
    /// reach (and `plain` a relay on loopback), decided now as at each send.
    func saveSMTP(_ input: SMTPInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> NotifySMTPSettings {
        try access.require(.workspaceUpdate)
        let existing = try await smtp(in: access.workspaceID)
        var errors = ValidationErrors()
        let host = (input.host ?? "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let securities = SMTPServer.Security.allCases.map(\.rawValue)
        let security = SMTPServer.Security(rawValue: (input.security ?? "").trimmingCharacters(in: .whitespaces))
        if security == nil { errors.add("security", .isRequiredOneOf(choices: securities)) }
        let port = input.port ?? (security == .tls ? 465 : 587)
        if !(1...65_535).contains(port) { errors.add("port", .wholeNumberBetween(min: 1, max: 65_535)) }
        if host.isEmpty || host.count > 253 || host.contains(where: { $0.isWhitespace || $0 == "/" }) {
            errors.add("host", .lengthBetween(min: 1, max: 253))
        } else if let security {
            let policy = app.settings.outboundPolicy
            var answers: [IPAddress]?
            if case .resolve(let name) = policy.decide(host: host) { answers = try? await app.outboundResolver.addresses(of: name, timeout: 5) }
            if SMTPClient.destination(host: host, security: security, policy: policy, answers: answers) == nil {
                errors.add("host", .addressUnreachable(host: host))
            }
        }
        let from = (input.fromAddress ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if !SMTPMail.isAddress(from) { errors.add("from_address", .email(example: "alerts@example.com")) }
        let username = (input.username ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if username.count > 200 { errors.add("username", .lengthAtMost(max: 200)) }
        let typedPassword = input.password ?? ""
        if typedPassword.count > 200 { errors.add("password", .lengthAtMost(max: 200)) }
        try errors.throwIfAny()
        let row = existing ?? NotifySMTPSettings()
        if row.id == nil {
            row.id = TimeOrderedID.make(at: now)
            row.$workspace.id = access.workspaceID
            row.sealedPassword = Data()
        }
        row.host = host
        row.port = port
        row.security = security!.rawValue
        row.username = username
        row.fromAddress = from
        row.updatedAt = now
        if !typedPassword.isEmpty { row.sealedPassword = try sealer().seal(Data(typedPassword.utf8), context: row.sealingContext) }
        let facts = [
            "host": host, "port": String(port), "security": row.security, "username": username, "from_address": from,
            "password": typedPassword.isEmpty ? "kept" : "replaced",
        ]
        try await db.writeTransaction { tx in
            try await row.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "notify_smtp.saved", targetType: "notify_smtp", targetID: row.id,
                after: facts, now: now)
        }
        return row
    }

    func smtpServer(_ row: NotifySMTPSettings) throws -> SMTPServer {
        let password =
            row.sealedPassword.isEmpty ? nil : String(decoding: try sealer().open(row.sealedPassword, context: row.sealingContext), as: UTF8.self)
        return SMTPServer(
            host: row.host, port: row.port, security: SMTPServer.Security(rawValue: row.security) ?? .starttls,
            username: row.username.isEmpty ? nil : row.username, password: password)
    }

    /// What the audit log keeps of a channel: never the address or secret.
    static func auditFacts(_ row: NotifyChannelRecord) -> [String: String] {
        [
            "kind": row.kind, "name": row.name, "address": row.addressHint, "enabled": row.enabled ? "true" : "false",
            "event_kinds": row.eventKinds, "min_grade": row.minGrade ?? "", "monitor_ids": row.monitorIDs,
        ]
    }

    // MARK: Addresses and secrets

    /// Whether the guarded client could reach `url` at all: an address
    /// literal or `localhost` the policy refuses, or a name whose every
    /// answer it refuses (or that does not resolve), is refused as the
    /// channel is saved, so it is never contacted. A name is checked
    /// again at every delivery (its answers change).
    static func reachable(_ url: URL, policy: OutboundAddressPolicy, resolver: any HostResolver) async -> Bool {
        // The host as the guarded client reads it: an IPv6 literal without brackets.
        guard var host = url.host, !host.isEmpty else { return false }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        switch policy.decide(host: host) {
        case .refused: return false
        case .connect: return true
        case .resolve(let name):
            guard let answers = try? await resolver.addresses(of: name, timeout: 5) else { return false }
            return policy.choose(from: answers) != nil
        }
    }

    /// The address as pages show it: scheme, host and path, the key or
    /// token after them cut to its last four characters.
    static func hint(of url: URL, kind: NotifyChannelKind) -> String {
        let text = url.absoluteString
        let prefix = kind.officialPrefixes.first { text.hasPrefix($0) }
        let open = prefix ?? "\(url.scheme ?? "https")://\(url.host ?? "")\(url.port.map { ":\($0)" } ?? "")/"
        let rest = text.dropFirst(min(open.count, text.count))
        guard !rest.isEmpty else { return open }
        return open + "…" + (rest.count > 8 ? String(rest.suffix(4)) : "")
    }

    func open(_ row: NotifyChannelRecord) throws -> NotifyChannelRecord.Sealed {
        try JSONDecoder().decode(NotifyChannelRecord.Sealed.self, from: try sealer().open(row.sealed, context: row.sealingContext))
    }

    func channel(_ row: NotifyChannelRecord) throws -> NotifyChannel {
        let sealed = try open(row)
        guard let kind = row.channelKind, let url = URL(string: sealed.address) else {
            throw Abort(.internalServerError, reason: "a stored channel cannot be read")
        }
        return NotifyChannel(kind: kind, address: url, secret: sealed.secret)
    }

    /// The sealed box of `sealed` for `row` (the row's id set).
    func seal(_ sealed: NotifyChannelRecord.Sealed, for row: NotifyChannelRecord) throws -> Data {
        try sealer().seal(try JSONEncoder().encode(sealed), context: row.sealingContext)
    }

    private func sealer() throws -> CredentialSealer {
        guard let key = app.settings.secretKey else { throw Abort(.internalServerError, reason: "no secret key configured") }
        return try CredentialSealer(secretKey: key)
    }
}
