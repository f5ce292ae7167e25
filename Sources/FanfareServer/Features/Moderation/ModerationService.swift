import FanfareCore
import Fluent
import Vapor

/// Checking text against the workspace's lexicon, reviewers' feedback on
/// wrong matches, and the moderation report.
struct ModerationService {
    let db: any Database
    let app: Application

    /// The terms found in each field of a draft, for the compose page.
    func check(
        _ fields: [String: String], scope: ModerationScope, policy: MatchPolicy, in access: WorkspaceAccess
    ) async throws
        -> [String: [ModerationMatch]]
    {
        let engine = try await app.moderationEngine(for: access.workspace)
        return fields.mapValues { engine.scan($0, scope: scope, policy: policy) }
    }

    // MARK: Feedback

    func addFeedback(
        term: String, phrase: String, note: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws
        -> ModerationFeedback
    {
        guard access.can(.contentReview) || access.can(.contentLegalReview) || access.can(.moderationLexiconManage) else {
            throw Problem.forbidden("Your role (\(access.role.rawValue)) does not review content in this workspace.")
        }
        var errors = ValidationErrors()
        let term = term.trimmingCharacters(in: .whitespacesAndNewlines)
        let phrase = phrase.trimmingCharacters(in: .whitespacesAndNewlines)
        let note = (note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if term.isEmpty || term.count > 100 { errors.add("term", .lengthBetween(min: 1, max: 100)) }
        if phrase.isEmpty || phrase.count > 100 {
            errors.add("phrase", .lengthBetween(min: 1, max: 100))
        } else if !term.isEmpty, !TextFolding.fold(phrase).contains(TextFolding.fold(term)) {
            errors.add("phrase", .allowPhraseContainsTerm)
        }
        if note.count > 1_000 { errors.add("note", .lengthAtMost(max: 1_000)) }
        try errors.throwIfAny()
        let feedback = ModerationFeedback()
        feedback.id = TimeOrderedID.make(at: now)
        feedback.$workspace.id = access.workspaceID
        feedback.term = term
        feedback.phrase = phrase
        feedback.note = note
        feedback.status = ModerationFeedback.Status.open.rawValue
        feedback.createdBy = actor.userID
        feedback.createdAt = now
        try await db.writeTransaction { tx in
            try await feedback.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "moderation.false_positive", targetType: "moderation_feedback",
                targetID: feedback.id, after: ["term": term, "phrase": phrase], now: now)
        }
        return feedback
    }

    /// Accepting adds the phrase to the allow-list; both are audited.
    func decideFeedback(
        _ rawID: String?, accept: Bool, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws
        -> ModerationFeedback
    {
        try access.require(.moderationLexiconManage)
        let feedback = try await access.find(ModerationFeedback.self, rawID, on: db, what: "Feedback")
        guard feedback.status == ModerationFeedback.Status.open.rawValue else {
            throw Problem(.conflict, "This feedback was already \(feedback.status).", type: "feedback-decided")
        }
        if accept { _ = try await LexiconService(db: db, app: app).addAllowed(feedback.phrase, in: access, actor: actor, now: now) }
        try await db.writeTransaction { tx in
            feedback.status = (accept ? ModerationFeedback.Status.accepted : .dismissed).rawValue
            feedback.decidedBy = actor.userID
            feedback.decidedAt = now
            try await feedback.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "moderation.feedback_\(feedback.status)",
                targetType: "moderation_feedback", targetID: feedback.id, after: ["phrase": feedback.phrase], now: now)
        }
        return feedback
    }

    // MARK: Report

    struct Report: Content {
        struct Day: Content {
            var date: String
            var category: String
            var hits: Int
        }

        struct TopTerm: Content {
            var term: String
            var category: String
            var severity: String
            var hits: Int
            var inPosts: Int
            var inMessages: Int
            /// Reviewers' reports that a match of this term was wrong.
            var falsePositives: Int
        }

        var from: Date
        var to: Date
        var days: [Day]
        var byCategory: [String: Int]
        var topTerms: [TopTerm]
        var openFeedback: [FeedbackDTO]
        /// True when the window held more hits than the report reads.
        var truncated: Bool
    }

    static let reportLimit = 100_000

    func report(days: Int, in access: WorkspaceAccess, now: Date = Date()) async throws -> Report {
        try access.require(.contentView)
        let from = now.addingTimeInterval(-Double(days) * 86_400)
        let hits = try await access.query(ModerationHit.self, on: db).filter(\.$at >= from).sort(\.$at).limit(Self.reportLimit + 1).all()
        let feedback = try await access.query(ModerationFeedback.self, on: db).sort(\.$id, .descending).limit(500).all()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = access.workspace.zone
        var perDay: [String: [String: Int]] = [:]
        var byCategory: [String: Int] = [:]
        var terms: [String: Report.TopTerm] = [:]
        for hit in hits.prefix(Self.reportLimit) {
            let parts = calendar.dateComponents([.year, .month, .day], from: hit.at)
            let date = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
            perDay[date, default: [:]][hit.category, default: 0] += 1
            byCategory[hit.category, default: 0] += 1
            var top =
                terms[hit.term]
                ?? .init(term: hit.term, category: hit.category, severity: hit.severity, hits: 0, inPosts: 0, inMessages: 0, falsePositives: 0)
            top.hits += 1
            if hit.source == ModerationHit.Source.post.rawValue { top.inPosts += 1 } else { top.inMessages += 1 }
            terms[hit.term] = top
        }
        for item in feedback {
            let key = terms.keys.first { TextFolding.fold($0) == TextFolding.fold(item.term) } ?? item.term
            terms[key, default: .init(term: item.term, category: "", severity: "", hits: 0, inPosts: 0, inMessages: 0, falsePositives: 0)]
                .falsePositives += 1
        }
        return Report(
            from: from, to: now,
            days: perDay.keys.sorted().flatMap { date in perDay[date]!.keys.sorted().map { .init(date: date, category: $0, hits: perDay[date]![$0]!) }
            },
            byCategory: byCategory,
            topTerms: Array(terms.values.sorted { ($0.hits, $0.falsePositives, $1.term) > ($1.hits, $1.falsePositives, $0.term) }.prefix(20)),
            openFeedback: feedback.filter { $0.status == ModerationFeedback.Status.open.rawValue }.map(FeedbackDTO.init),
            truncated: hits.count > Self.reportLimit)
    }
}
