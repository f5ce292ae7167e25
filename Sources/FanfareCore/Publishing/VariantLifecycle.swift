import Foundation

/// The publishing fields of one variant: where it stands, who holds it
/// until when, and what went wrong last. The server stores exactly these.
public struct VariantStatus: Sendable, Equatable {
    public var progress: VariantProgress
    /// While `publishing`: when the claim lapses. While `queued` after a
    /// passing fault: the earliest retry.
    public var claimExpiresAt: Date?
    /// A failure a person must act on, named (`rejected`, `expired_credentials`, …).
    public var errorCode: String?
    /// The last fault or refusal, in words.
    public var lastError: String?

    public init(progress: VariantProgress, claimExpiresAt: Date? = nil, errorCode: String? = nil, lastError: String? = nil) {
        self.progress = progress
        self.claimExpiresAt = claimExpiresAt
        self.errorCode = errorCode
        self.lastError = lastError
    }
}

/// Something that happens to a variant on its way out.
public enum VariantEvent: Sendable, Equatable {
    /// Scheduled (or scheduled again after a failure): waits for its minute.
    case scheduled
    /// Taken off the schedule before it went out.
    case unscheduled
    /// A worker took it, holding it until `until`.
    case claimed(until: Date)
    /// The platform has it, after a send.
    case published
    /// The platform has it, found under the idempotency key after an
    /// earlier attempt ended without an answer: nothing was sent again.
    case reconciled
    /// A passing fault: back in the queue until `retryAt`.
    case failedRetryable(retryAt: Date, reason: String)
    /// A person must act (`code` says what); nothing more is tried.
    case failedFinal(code: String, reason: String)
    /// Sent, no answer: it may be out. Ask the platform before any re-send.
    case outcomeUnknown(reason: String)
    /// The platform takes posts by hand only: a person publishes it.
    case handedOff(reason: String)
    /// The person who published by hand recorded the post's link.
    case publishedByHand
    /// Dropped before it went out (its post was deleted or rewritten).
    case cancelled

    /// The event's name without its details, as a log or a refusal says it.
    public var name: String {
        switch self {
        case .scheduled: "scheduled"
        case .unscheduled: "unscheduled"
        case .claimed: "claimed"
        case .published: "published"
        case .reconciled: "reconciled"
        case .failedRetryable: "failed_retryable"
        case .failedFinal: "failed_final"
        case .outcomeUnknown: "outcome_unknown"
        case .handedOff: "handed_off"
        case .publishedByHand: "published_by_hand"
        case .cancelled: "cancelled"
        }
    }
}

/// A move the lifecycle does not have, such as publishing a variant
/// nobody claimed, or scheduling one that may already be out.
public struct IllegalVariantMove: Error, Equatable, Sendable {
    public var from: VariantProgress
    public var event: VariantEvent

    public init(from: VariantProgress, event: VariantEvent) {
        self.from = from
        self.event = event
    }

    /// The refusal with its code. Callers check a move before they make
    /// it, so this reaches a person only as a server fault, and the log.
    public var coded: CodedMessage { .variantMoveIllegal(from: from.rawValue, event: event.name) }
}

/// What a move writes: the variant's new fields, and how the attempt that
/// made it ends in the attempt history (nil when no attempt was made).
public struct VariantMove: Sendable, Equatable {
    public var status: VariantStatus
    /// `published`, `reconciled`, `retry`, `unconfirmed`, `failed`, `hand_off`.
    public var attemptOutcome: String?
    public var attemptMessage: String?
}

/// Whether a worker may take a variant now.
public enum ClaimDecision: Sendable, Equatable {
    /// Take it (with the conditional update that makes the claim atomic).
    case claim
    /// Another worker holds it until then: take it only if that worker has
    /// stopped reporting, otherwise try again after.
    case heldUntil(Date)
    /// Nothing to do: not scheduled, or already out.
    case skip
}

/// The variant state machine, the rules that keep publishing exactly once:
///
///     pending ──scheduled──▶ queued ──claimed──▶ publishing ──published──▶ published
///        ▲                     │  ▲                 │  ├─failedRetryable──▶ queued
///        └────unscheduled──────┘  │                 │  ├─failedFinal──────▶ failed ──scheduled──▶ queued
///                                 │                 │  ├─handedOff────────▶ hand_off ──publishedByHand──▶ published
///                                 │                 │  └─outcomeUnknown───▶ unconfirmed
///                                 └─────────────────┘        unconfirmed ──claimed──▶ publishing (then reconciled, or sent)
///
/// A publishing variant whose claim lapsed (a worker died) may be claimed
/// again; it then counts as unconfirmed, so the platform is asked first.
/// Nothing moves a published variant, and a variant that may be out
/// (publishing, unconfirmed) can be neither scheduled again nor cancelled:
/// either would risk a second copy.
public enum VariantLifecycle {
    /// The state `event` leads to from `from`, or nil when the lifecycle
    /// has no such move.
    public static func next(from: VariantProgress, on event: VariantEvent) -> VariantProgress? {
        switch (from, event) {
        case (.pending, .scheduled), (.queued, .scheduled), (.failed, .scheduled), (.cancelled, .scheduled): .queued
        case (.queued, .unscheduled): .pending
        case (.queued, .claimed), (.unconfirmed, .claimed), (.publishing, .claimed): .publishing
        case (.publishing, .published), (.publishing, .reconciled): .published
        case (.publishing, .failedRetryable): .queued
        case (.publishing, .failedFinal): .failed
        case (.publishing, .outcomeUnknown): .unconfirmed
        case (.publishing, .handedOff): .handOff
        case (.handOff, .publishedByHand): .published
        case (.pending, .cancelled), (.queued, .cancelled), (.failed, .cancelled): .cancelled
        default: nil
        }
    }

    /// The move `event` makes from `status`, with the fields it writes:
    /// a claim sets the lease; a retry keeps the reason and its time in
    /// the lease; a final failure keeps its code; publishing (by any path)
    /// clears every fault; scheduling clears the last attempt's leftovers.
    public static func apply(_ event: VariantEvent, to status: VariantStatus) throws(IllegalVariantMove) -> VariantMove {
        guard let progress = next(from: status.progress, on: event) else {
            throw IllegalVariantMove(from: status.progress, event: event)
        }
        var new = status
        new.progress = progress
        switch event {
        case .scheduled:
            new = VariantStatus(progress: progress)
            return VariantMove(status: new, attemptOutcome: nil, attemptMessage: nil)
        case .unscheduled, .cancelled:
            new.claimExpiresAt = nil
            return VariantMove(status: new, attemptOutcome: nil, attemptMessage: nil)
        case .claimed(let until):
            new.claimExpiresAt = until
            return VariantMove(status: new, attemptOutcome: nil, attemptMessage: nil)
        case .published, .reconciled, .publishedByHand:
            new = VariantStatus(progress: progress)
            let outcome = event == .reconciled ? "reconciled" : event == .published ? "published" : nil
            return VariantMove(status: new, attemptOutcome: outcome, attemptMessage: nil)
        case .failedRetryable(let retryAt, let reason):
            new.claimExpiresAt = retryAt
            new.lastError = reason
            return VariantMove(status: new, attemptOutcome: "retry", attemptMessage: reason)
        case .failedFinal(let code, let reason):
            new.claimExpiresAt = nil
            new.errorCode = code
            new.lastError = reason
            return VariantMove(status: new, attemptOutcome: "failed", attemptMessage: reason)
        case .outcomeUnknown(let reason):
            new.claimExpiresAt = nil
            new.lastError = reason
            return VariantMove(status: new, attemptOutcome: "unconfirmed", attemptMessage: reason)
        case .handedOff(let reason):
            new.claimExpiresAt = nil
            new.lastError = reason
            return VariantMove(status: new, attemptOutcome: "hand_off", attemptMessage: reason)
        }
    }

    /// The event an attempt's settled outcome is, at `now`.
    public static func event(for outcome: PublishOutcome, now: Date) -> VariantEvent {
        switch outcome {
        case .retry(let after, let reason): .failedRetryable(retryAt: now.addingTimeInterval(after), reason: reason)
        case .unconfirmed(_, let reason): .outcomeUnknown(reason: reason)
        case .failed(let code, let reason): .failedFinal(code: code, reason: reason)
        case .handOff(let reason): .handedOff(reason: reason)
        }
    }

    /// Whether a worker may take a variant at `now`: a queued or
    /// unconfirmed one yes; a publishing one only once its claim has
    /// lapsed or its holder has stopped reporting; nothing else.
    public static func claim(_ status: VariantStatus, now: Date) -> ClaimDecision {
        switch status.progress {
        case .queued, .unconfirmed: return .claim
        case .publishing:
            if let held = status.claimExpiresAt, held > now { return .heldUntil(held) }
            return .claim
        case .pending, .published, .failed, .handOff, .cancelled: return .skip
        }
    }

    /// Whether an attempt must ask the platform before sending: anything
    /// but a plain queued variant may have reached it already.
    public static func mustReconcile(before previous: VariantProgress) -> Bool {
        previous != .queued
    }
}

/// How a platform call went wrong, as publishing decides about it (the
/// connector's error, without its transport).
public enum PlatformFailure: Sendable, Equatable {
    case rateLimited(retryAfter: TimeInterval)
    case temporary
    case outcomeUnknown
    case expiredCredentials
    case rejected
    case notSupported(String)
    case notFound
}

extension PublicationRules {
    /// What a failed attempt means, `reason` being the failure in words:
    /// a rate limit waits the platform's time; a passing fault retries with
    /// back-off until `maxAttempts`, then fails; an unknown outcome is
    /// unconfirmed (checked before any re-send); an expired authorisation,
    /// a refusal or a vanished post fail for a person to act; an operation
    /// the platform lacks goes to hand-off.
    public static func outcome(of failure: PlatformFailure, reason: String, attempts: Int) -> PublishOutcome {
        switch failure {
        case .rateLimited(let wait): return .retry(after: max(1, wait), reason: reason)
        case .temporary:
            if attempts >= maxAttempts {
                return .failed(code: "platform_unavailable", reason: "\(reason) Gave up after \(attempts) attempts.")
            }
            return .retry(after: RetryPolicy().delay(afterAttempt: attempts), reason: reason)
        case .outcomeUnknown: return .unconfirmed(checkAfter: unconfirmedRecheck, reason: reason)
        case .expiredCredentials: return .failed(code: "expired_credentials", reason: reason)
        case .rejected: return .failed(code: "rejected", reason: reason)
        case .notSupported(let what): return .handOff(reason: what)
        case .notFound: return .failed(code: "not_found", reason: reason)
        }
    }
}
