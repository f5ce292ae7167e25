import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What fans' messages earn them, after the messages are stored: points
/// for commenting (within the daily cap), and entries to the workspace's
/// open activities — "签到" checks in, a poll option's number or words
/// vote, any comment enters a comment-to-win lottery (转评抽奖), and a
/// mention with the challenge's hashtag enters a UGC challenge. One job per
/// stored batch keeps this off the intake's transaction; every award is
/// keyed by its message, so a retried job pays nothing twice.
enum FanEngagement {
    static let kind = "fans.engagement"

    struct Payload: Codable {
        var messageIDs: [UUID]
    }

    static func job(for messageIDs: [UUID], at now: Date) -> JobQueue.NewJob? {
        guard let first = messageIDs.first else { return nil }
        let payload = String(decoding: (try? JSONEncoder().encode(Payload(messageIDs: messageIDs))) ?? Data(), as: UTF8.self)
        return JobQueue.NewJob(kind: kind, payload: payload, runAt: now, uniqueKey: "\(kind):\(first.uuidString.lowercased())", maxAttempts: 5)
    }

    /// Words that check a fan in, compared after folding (case, width, traditional→simplified).
    static let checkInWords = ["签到", "打卡", "check in", "checkin", "check-in"]

    /// Every claimed job's messages in one pass. A burst of pushes stores
    /// many small batches; run a job at a time, each would take SQLite's
    /// writer for itself (a burst of 2,000 pushes a second fell to 1,200
    /// stored a second); together they are paid in a handful of statements.
    @Sendable static func runBatch(_ jobs: [Job], _ app: Application) async throws -> [UUID: JobResult] {
        let ids = jobs.flatMap { job in (try? JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8)))?.messageIDs ?? [] }
        try await process(ids, now: Date(), on: app.db)
        return [:]
    }

    static func process(_ messageIDs: [UUID], now: Date, on db: any Database) async throws {
        var messages: [IncomingMessage] = []
        for start in stride(from: 0, to: messageIDs.count, by: 500) {
            let chunk = Array(messageIDs[start..<min(messageIDs.count, start + 500)])
            messages += try await IncomingMessage.query(on: db).filter(\.$id ~~ chunk).filter(\.$fanID != nil).all()
        }
        for (workspaceID, ofWorkspace) in Dictionary(grouping: messages, by: { $0.$workspace.id }) {
            guard let workspace = try await Workspace.find(workspaceID, on: db) else { continue }
            try await engage(ofWorkspace.sorted { ($0.sentAt, $0.id!) < ($1.sentAt, $1.id!) }, in: workspace, now: now, on: db)
        }
    }

    private static func engage(_ messages: [IncomingMessage], in workspace: Workspace, now: Date, on db: any Database) async throws {
        let programme = try await FanProgrammeStore.load(workspace.id!, on: db)
        let zone = TimeZone(identifier: workspace.timeZone) ?? .gmt
        try await db.writeTransaction { tx in
            let paid = try await PointsLedger(db: tx).earnForMessages(
                messages.compactMap { message in message.fanID.map { (fanID: $0, messageID: message.id!, at: message.sentAt) } },
                action: .comment, in: workspace.id!, policy: programme.points, zone: zone, now: now)
            try await LoyaltyProgress.refresh(Array(paid), programme: programme, now: now, on: tx)
        }
        let open = try await Activity.query(on: db).filter(\.$workspace.$id == workspace.id!).filter(\.$status == ActivityStatus.open.rawValue).all()
        guard !open.isEmpty else { return }
        let entries = ActivityEntries(db: db)
        for message in messages {
            guard let fanID = message.fanID else { continue }
            for activity in open where activity.startsAt <= message.sentAt && message.sentAt < activity.endsAt {
                guard let answer = answer(of: message, to: activity) else { continue }
                do {
                    _ = try await entries.enter(
                        activity, fanID: fanID, answer: answer, messageID: message.id, workspace: workspace, now: message.sentAt)
                } catch let problem as Problem where problem.status == 409 || problem.status == 403 {
                    // Already checked in today, not in the audience, below the level: the message stays a message.
                } catch is ValidationErrors {
                    // Not enough points for a paid entry, an answer that is not one: the same.
                }
            }
        }
    }

    /// What a message says to an activity, or nil when it is not taking part.
    static func answer(of message: IncomingMessage, to activity: Activity) -> EntryAnswer? {
        let folded = TextFolding.fold(message.text)
        switch activity.settings {
        case .checkIn: return checkInWords.contains { folded.contains(TextFolding.fold($0)) } ? EntryAnswer() : nil
        case .poll(let poll):
            let trimmed = message.text.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
            if let number = Int(trimmed), poll.options.indices.contains(number - 1) { return EntryAnswer(options: [number - 1]) }
            let chosen = poll.options.indices.filter { folded.contains(TextFolding.fold(poll.options[$0])) }
            guard !chosen.isEmpty else { return nil }
            return EntryAnswer(options: poll.multipleChoice ? chosen : [chosen[0]])
        case .lottery: return EntryAnswer()
        case .ugcChallenge(let challenge):
            return folded.contains(TextFolding.fold(challenge.hashtag)) ? EntryAnswer(text: message.text) : nil
        case .quiz, .none: return nil
        }
    }
}
