import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What other features may ask of Conversions: a post's links with their
/// clicks (for the post page), and recording events (the demo sends its
/// stream through the same service as the API).
extension LinkService {
    /// The post page's section: the post's links, their total and unique clicks, and a link to make one.
    static func postSection(postID: UUID, _ ctx: PageContext, access: WorkspaceAccess, shortBase: String, on db: any Database) async throws -> HTML {
        let found = try await LinksPage.query(access: access, cursor: nil, postID: postID, on: db)
        let base = "/w/\(access.workspace.slug)"
        let model = LinksPage.model(
            found, base: base, shortBase: shortBase, canEdit: access.can(.contentEdit), values: [:], errors: FormErrors(), prefillPost: nil,
            locale: ctx.locale)
        return LinksPage.postSection(
            model.items, newHref: access.can(.contentEdit) ? "\(base)/links?post_id=\(postID.uuidString)" : nil, ctx)
    }
}

extension EventService {
    /// Records events made by Fanfare itself (the demo), through the same
    /// checks and writes as `POST …/events`.
    static func recordStream(_ items: [[String: Any]], workspaceID: UUID, now: Date, on db: any Database) async throws -> Outcome {
        let (events, issues) = EventBatchReader.read(items, now: now)
        return try await EventService(db: db).record(events, issues: issues, workspaceID: workspaceID, now: now)
    }
}

extension ClickRecorder {
    /// A click on the link with `code`, as the redirect records it (the
    /// demo's visitors; `visitorID` plays the visitor's cookie on a split
    /// link): the click's id and where the visitor was sent, or nil when
    /// there is no such enabled link.
    @discardableResult
    func recordVisit(
        code: String, address: String, userAgent: String, visitorID: String? = nil, at now: Date, on db: any Database
    ) async throws
        -> (click: UUID, destination: String)?
    {
        guard let link = try await LinkRedirect.load(code, on: db) else { return nil }
        let (click, destination) = visit(link, address: address, userAgent: userAgent, visitorID: visitorID, at: now)
        if add(click) { try await flush() }
        return (click.id, destination)
    }
}

/// What Experiments asks of a link (issue 21): split its visitors between
/// arms by weight, end the split on one destination, and count each arm's
/// visitors and conversions.
extension LinkService {
    /// One arm's visitors (units) and, of them, those who converted, with
    /// the sum and sum of squares of each visitor's converted amount in fen
    /// (zero for those who did not), for means such as revenue per visitor.
    struct ArmTally: Sendable, Equatable {
        var visitors = 0
        var converted = 0
        var sum = 0.0
        var sumOfSquares = 0.0
    }

    enum DestinationCheck: Sendable, Equatable {
        case success(String)
        case failure(CodedMessage)
    }

    /// `destination` with the link's own UTM parameters, or why it cannot be one.
    static func destinationWithUTM(_ destination: String?, of link: ShortLink) -> DestinationCheck {
        switch LinkDestination.validate(destination) {
        case .success(let url): .success(LinkDestination.withParameters(url.absoluteString, utm: link.utm))
        case .failure(let coded): .failure(coded)
        }
    }

    /// An enabled link of the workspace, or a 422 naming `field`.
    func enabledLink(_ rawID: String?, field: String, in access: WorkspaceAccess) async throws -> ShortLink {
        guard let id = rawID.flatMap({ UUID(uuidString: $0.trimmingCharacters(in: .whitespaces)) }),
            let link = try await access.query(ShortLink.self, on: db).filter(\.$id == id).filter(\.$disabledAt == nil).first()
        else { throw ValidationErrors(field, .experimentLink) }
        return link
    }

    /// Starts splitting the link's visitors; this node forgets the link at
    /// once, the others within the link cache's lifetime (30 s).
    func startSplit(_ link: ShortLink, _ split: LinkSplit, cache: LinkCache) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        let json = String(decoding: try JSONEncoder().encode(split), as: UTF8.self)
        try await sql.raw("UPDATE short_links SET split = \(bind: json) WHERE id = \(bind: link.id!)").run()
        cache.forget(link.code)
    }

    /// Ends the split: every visitor goes to `destination` from now on (the
    /// winner's), or to the link's own destination when nil.
    func endSplit(_ link: ShortLink, destination: String?, cache: LinkCache) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        if let destination, let url = URL(string: destination) {
            let withUTM = LinkDestination.withParameters(url.absoluteString, utm: link.utm)
            try await sql.raw(
                "UPDATE short_links SET split = NULL, destination = \(bind: destination), destination_with_utm = \(bind: withUTM) WHERE id = \(bind: link.id!)"
            ).run()
        } else {
            try await sql.raw("UPDATE short_links SET split = NULL WHERE id = \(bind: link.id!)").run()
        }
        cache.forget(link.code)
    }

    /// Each arm's tally on the link from `since` to `until`: people's
    /// clicks only (robots never count), conversions of `type` whose
    /// click was one of those.
    func armTallies(linkID: UUID, workspaceID: UUID, since: Date, until: Date, type: ConversionType) async throws -> [UUID: ArmTally] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        var tallies: [UUID: ArmTally] = [:]
        for row in try await sql.raw(
            """
            SELECT arm_id, CAST(COUNT(DISTINCT unit) AS BIGINT) AS visitors FROM link_clicks
            WHERE workspace_id = \(bind: workspaceID) AND link_id = \(bind: linkID) AND arm_id IS NOT NULL AND bot = \(bind: false)
            AND at >= \(bind: since) AND at < \(bind: until) GROUP BY arm_id
            """
        ).all() {
            tallies[try row.decode(column: "arm_id", as: UUID.self), default: ArmTally()].visitors = try row.decode(column: "visitors", as: Int.self)
        }
        for row in try await sql.raw(
            """
            SELECT c.arm_id, c.unit, CAST(SUM(e.amount_fen) AS BIGINT) AS amount FROM conversion_events e JOIN link_clicks c ON c.id = e.click_id
            WHERE e.workspace_id = \(bind: workspaceID) AND c.link_id = \(bind: linkID) AND c.arm_id IS NOT NULL AND c.bot = \(bind: false)
            AND e.type = \(bind: type.rawValue) AND c.at >= \(bind: since) AND c.at < \(bind: until)
            GROUP BY c.arm_id, c.unit
            """
        ).all() {
            let arm = try row.decode(column: "arm_id", as: UUID.self)
            let amount = Double(try row.decode(column: "amount", as: Int?.self) ?? 0)
            tallies[arm, default: ArmTally()].converted += 1
            tallies[arm, default: ArmTally()].sum += amount
            tallies[arm, default: ArmTally()].sumOfSquares += amount * amount
        }
        return tallies
    }
}

extension LinkService {
    /// What a link's visitors did before: people per day (a split link's
    /// visitor once, any other one per visitor key a day; robots never) and, of them, those with a conversion of
    /// `type`, with the sum and sum of squares of their amounts in fen;
    /// over every link of the workspace when `linkID` is nil.
    struct History: Sendable, Equatable {
        var days: Double
        var visitors = 0
        var tally = ArmTally()
    }

    func history(linkID: UUID?, workspaceID: UUID, since: Date, until: Date, type: ConversionType) async throws -> History {
        var history = History(days: until.timeIntervalSince(since) / 86_400)
        guard let sql = db as? any SQLDatabase else { return history }
        let onLink: SQLQueryString = linkID.map { "AND c.link_id = \(bind: $0)" } ?? ""
        history.visitors =
            try await sql.raw(
                """
                SELECT CAST(COUNT(DISTINCT COALESCE(c.unit, c.day || c.visitor_key)) AS BIGINT) AS n FROM link_clicks c
                WHERE c.workspace_id = \(bind: workspaceID) \(onLink) AND c.bot = \(bind: false) AND c.at >= \(bind: since) AND c.at < \(bind: until)
                """
            ).first()?.decode(column: "n", as: Int.self) ?? 0
        for row in try await sql.raw(
            """
            SELECT COALESCE(c.unit, c.day || c.visitor_key) AS person, CAST(SUM(e.amount_fen) AS BIGINT) AS amount
            FROM conversion_events e JOIN link_clicks c ON c.id = e.click_id
            WHERE e.workspace_id = \(bind: workspaceID) \(onLink) AND c.bot = \(bind: false) AND e.type = \(bind: type.rawValue)
            AND c.at >= \(bind: since) AND c.at < \(bind: until) GROUP BY COALESCE(c.unit, c.day || c.visitor_key)
            """
        ).all() {
            let amount = Double(try row.decode(column: "amount", as: Int?.self) ?? 0)
            history.tally.converted += 1
            history.tally.sum += amount
            history.tally.sumOfSquares += amount * amount
        }
        history.tally.visitors = history.visitors
        return history
    }
}

/// Daily counts of conversions and of tracked-link clicks, for Goals'
/// conversion targets (the workspace's whole stream: events are not tied
/// to an account).
enum ConversionCounts {
    /// Events of `type` (all types when nil) per day of `timeZone`, from
    /// the quarter-hour counts kept with the events (`ConversionSlots`):
    /// every zone's days start on a quarter-hour, so each slot lies in one
    /// day, and a year is some 35,000 slot rows instead of millions of
    /// events (the goal pass reads this for every conversion goal).
    static func daily(
        workspaceID: UUID, type: String?, from: String, to: String, timeZone: TimeZone, on db: any Database
    ) async throws -> [String: Double] {
        guard let sql = db as? any SQLDatabase, let first = MetricDay.parse(from), let last = MetricDay.parse(to) else { return [:] }
        // A day's UTC bounds widened by a day each side; each slot's own
        // day in the workspace's zone decides.
        let lower = ConversionSlots.slot(of: first.addingTimeInterval(-86_400))
        let upper = ConversionSlots.slot(of: last.addingTimeInterval(2 * 86_400))
        var filter: SQLQueryString = ""
        if let type { filter = " AND type = \(bind: type)" }
        let rows = try await sql.raw(
            """
            SELECT slot, CAST(SUM(events) AS BIGINT) AS n FROM conversion_event_slots WHERE workspace_id = \(bind: workspaceID)
            AND slot >= \(bind: lower) AND slot < \(bind: upper)\(filter) GROUP BY slot
            """
        ).all()
        var out: [String: Double] = [:]
        for row in rows {
            let start = Date(timeIntervalSince1970: Double(try row.decode(column: "slot", as: Int64.self)) * ConversionSlots.seconds)
            let day = MetricDay.of(start, in: timeZone)
            if day >= from && day <= to { out[day, default: 0] += Double(try row.decode(column: "n", as: Int64.self)) }
        }
        return out
    }

    /// Clicks on the workspace's tracked links per day (bots left out).
    static func dailyClicks(workspaceID: UUID, from: String, to: String, on db: any Database) async throws -> [String: Double] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        let rows = try await sql.raw(
            """
            SELECT day, COUNT(*) AS n FROM link_clicks WHERE workspace_id = \(bind: workspaceID) AND day >= \(bind: from) AND day <= \(bind: to)
            AND bot = \(bind: false) GROUP BY day
            """
        ).all()
        var out: [String: Double] = [:]
        for row in rows { out[try row.decode(column: "day", as: String.self)] = Double(try row.decode(column: "n", as: Int.self)) }
        return out
    }
}
