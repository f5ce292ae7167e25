import FanfareCore
import Fluent
import Foundation

/// A kind of job and the Codable value its jobs carry. Code that queues a
/// job hands `JobQueue` a `Payload`, and code that runs one reads it back
/// with `payload(of:)`: nobody writes or parses a job's JSON by hand.
///
/// The `name` is what `jobs.kind` stores and must never change: rows
/// already queued under a name run only while a kind of that name is
/// registered. A payload type may gain optional fields; renaming or
/// removing one makes queued jobs of the older shape unreadable, and they
/// end failed (`JobPayloadUnreadable`) rather than run wrongly.
struct JobKind<Payload: Codable & Sendable>: Sendable, CustomStringConvertible {
    let name: String

    init(_ name: String) {
        self.name = name
    }

    /// The name, so that a kind put in a string (a unique key) reads as
    /// the name stored in the table.
    var description: String { name }

    func encode(_ payload: Payload) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(payload), as: UTF8.self)
    }

    /// The job's payload, or an error naming the kind (a job written by an
    /// older version in another shape fails rather than runs wrongly).
    func payload(of job: Job) throws -> Payload {
        do {
            return try JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8))
        } catch {
            throw JobPayloadUnreadable(kind: name)
        }
    }

    /// For a batch handler: the jobs whose payload reads, with it, and how
    /// the others end (failed now, naming the kind, not retried: another
    /// attempt would read the same bytes).
    func payloads(of jobs: [Job]) -> (readable: [(job: Job, payload: Payload)], unreadable: [UUID: JobResult]) {
        var readable: [(job: Job, payload: Payload)] = []
        var unreadable: [UUID: JobResult] = [:]
        for job in jobs {
            do {
                readable.append((job, try payload(of: job)))
            } catch {
                unreadable[job.id!] = .abandoned(String(describing: error))
            }
        }
        return (readable, unreadable)
    }
}

/// The payload of a kind whose jobs carry nothing (the periodic ones).
/// It is stored as `{}`, as these jobs always were, and reads from any
/// JSON object (keys it does not know are ignored), nothing else.
struct NoPayload: Codable, Sendable, Equatable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init() {}

    init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: Key.self)
    }

    func encode(to encoder: any Encoder) throws {
        _ = encoder.container(keyedBy: Key.self)
    }
}

struct JobPayloadUnreadable: Error, CustomStringConvertible {
    let kind: String
    var description: String { "the payload of a '\(kind)' job cannot be read" }
}

/// When a periodic kind runs: once per `period`, counted from the Unix
/// epoch. Every worker offers the job about once a minute; the one unique
/// key per period (`<kind>@<period start in seconds>`) makes the first
/// offer count and the others no-ops, however many nodes run.
struct JobSchedule: Sendable {
    let period: TimeInterval

    static func every(_ period: TimeInterval) -> JobSchedule {
        JobSchedule(period: period)
    }

    static let everyMinute = every(60)

    /// Enqueues `kind`'s job for the period `now` is in, due at the
    /// period's start; false when it is already queued (or ran).
    @discardableResult
    func enqueue(_ kind: JobKind<NoPayload>, on db: any Database, now: Date) async throws -> Bool {
        let start = RetryPolicy.periodStart(of: now, every: period)
        return try await JobQueue(db: db).enqueue(
            kind, payload: NoPayload(), runAt: start, uniqueKey: "\(kind.name)@\(Int(start.timeIntervalSince1970))", now: now)
    }
}
