import FanfareCore
import Foundation
import Testing

/// The variant state machine, move by move: every state against every
/// event, so a move added or lost anywhere fails here.
@Suite struct VariantLifecycleTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let later = now.addingTimeInterval(120)

    static let events: [(name: String, event: VariantEvent)] = [
        ("scheduled", .scheduled), ("unscheduled", .unscheduled), ("claimed", .claimed(until: later)), ("published", .published),
        ("reconciled", .reconciled), ("failedRetryable", .failedRetryable(retryAt: later, reason: "busy")),
        ("failedFinal", .failedFinal(code: "rejected", reason: "no")), ("outcomeUnknown", .outcomeUnknown(reason: "timeout")),
        ("handedOff", .handedOff(reason: "by hand")), ("publishedByHand", .publishedByHand), ("cancelled", .cancelled),
    ]

    /// The whole table: (from, event) → to. Every pair not listed is refused.
    static let moves: [VariantProgress: [String: VariantProgress]] = [
        .pending: ["scheduled": .queued, "cancelled": .cancelled],
        .queued: ["scheduled": .queued, "unscheduled": .pending, "claimed": .publishing, "cancelled": .cancelled],
        .publishing: [
            "claimed": .publishing, "published": .published, "reconciled": .published, "failedRetryable": .queued, "failedFinal": .failed,
            "outcomeUnknown": .unconfirmed, "handedOff": .handOff,
        ],
        .unconfirmed: ["claimed": .publishing],
        .published: [:],
        .failed: ["scheduled": .queued, "cancelled": .cancelled],
        .handOff: ["publishedByHand": .published],
        .cancelled: ["scheduled": .queued],
    ]

    @Test func everyStateAgainstEveryEvent() {
        #expect(Set(Self.moves.keys) == Set(VariantProgress.allCases), "the table covers every state")
        for from in VariantProgress.allCases {
            for (name, event) in Self.events {
                let expected = Self.moves[from]?[name]
                #expect(VariantLifecycle.next(from: from, on: event) == expected, "\(from.rawValue) on \(name)")
                do {
                    let move = try VariantLifecycle.apply(event, to: VariantStatus(progress: from))
                    #expect(move.status.progress == expected, "\(from.rawValue) on \(name)")
                } catch {
                    #expect(expected == nil, "\(from.rawValue) on \(name) was refused")
                    #expect(error == IllegalVariantMove(from: from, event: event))
                    #expect(error.coded == .variantMoveIllegal(from: from.rawValue, event: event.name))
                }
            }
        }
    }

    @Test func nothingMovesAPublishedVariantAndNothingResendsOneThatMayBeOut() {
        for (_, event) in Self.events {
            #expect(VariantLifecycle.next(from: .published, on: event) == nil)
        }
        // Scheduling again or cancelling a variant that may have reached the
        // platform would risk a second copy: only a claim (which reconciles) moves it.
        for state in [VariantProgress.publishing, .unconfirmed] {
            #expect(VariantLifecycle.next(from: state, on: .scheduled) == nil)
            #expect(VariantLifecycle.next(from: state, on: .cancelled) == nil)
            #expect(VariantLifecycle.mustReconcile(before: state))
        }
        #expect(!VariantLifecycle.mustReconcile(before: .queued))
        // Only a claimed variant is published: a queued one cannot skip the claim.
        #expect(VariantLifecycle.next(from: .queued, on: .published) == nil)
        #expect(VariantLifecycle.next(from: .unconfirmed, on: .reconciled) == nil)
    }

    @Test func eachMoveWritesItsFields() throws {
        let held = VariantStatus(progress: .publishing, claimExpiresAt: Self.later, errorCode: "old", lastError: "old")
        let claimed = try VariantLifecycle.apply(.claimed(until: Self.later), to: VariantStatus(progress: .queued, lastError: "busy"))
        #expect(claimed.status == VariantStatus(progress: .publishing, claimExpiresAt: Self.later, lastError: "busy"))
        #expect(claimed.attemptOutcome == nil)

        let retry = try VariantLifecycle.apply(.failedRetryable(retryAt: Self.later, reason: "busy"), to: held)
        #expect(retry.status == VariantStatus(progress: .queued, claimExpiresAt: Self.later, errorCode: "old", lastError: "busy"))
        #expect(retry.attemptOutcome == "retry" && retry.attemptMessage == "busy")

        let failed = try VariantLifecycle.apply(.failedFinal(code: "rejected", reason: "too long"), to: held)
        #expect(failed.status == VariantStatus(progress: .failed, errorCode: "rejected", lastError: "too long"))
        #expect(failed.attemptOutcome == "failed")

        let unknown = try VariantLifecycle.apply(.outcomeUnknown(reason: "timeout"), to: held)
        #expect(unknown.status == VariantStatus(progress: .unconfirmed, errorCode: "old", lastError: "timeout"))
        #expect(unknown.attemptOutcome == "unconfirmed")

        let handOff = try VariantLifecycle.apply(.handedOff(reason: "by hand"), to: held)
        #expect(handOff.status.progress == .handOff && handOff.status.claimExpiresAt == nil && handOff.attemptOutcome == "hand_off")

        for (event, outcome) in [(VariantEvent.published, "published"), (.reconciled, "reconciled")] {
            let out = try VariantLifecycle.apply(event, to: held)
            #expect(out.status == VariantStatus(progress: .published), "every fault is cleared")
            #expect(out.attemptOutcome == outcome)
        }
        let byHand = try VariantLifecycle.apply(.publishedByHand, to: VariantStatus(progress: .handOff, lastError: "by hand"))
        #expect(byHand.status == VariantStatus(progress: .published) && byHand.attemptOutcome == nil)

        let again = try VariantLifecycle.apply(.scheduled, to: VariantStatus(progress: .failed, errorCode: "rejected", lastError: "too long"))
        #expect(again.status == VariantStatus(progress: .queued), "scheduling again clears the last attempt's leftovers")
        let off = try VariantLifecycle.apply(.unscheduled, to: VariantStatus(progress: .queued, claimExpiresAt: Self.later))
        #expect(off.status == VariantStatus(progress: .pending))
    }

    @Test func aWorkerClaimsQueuedAndUnconfirmedVariantsAndALapsedClaim() {
        #expect(VariantLifecycle.claim(VariantStatus(progress: .queued), now: Self.now) == .claim)
        #expect(VariantLifecycle.claim(VariantStatus(progress: .unconfirmed), now: Self.now) == .claim)
        #expect(VariantLifecycle.claim(VariantStatus(progress: .publishing, claimExpiresAt: Self.later), now: Self.now) == .heldUntil(Self.later))
        #expect(VariantLifecycle.claim(VariantStatus(progress: .publishing, claimExpiresAt: Self.now), now: Self.now) == .claim, "lapsed")
        #expect(VariantLifecycle.claim(VariantStatus(progress: .publishing), now: Self.now) == .claim)
        for state in [VariantProgress.pending, .published, .failed, .handOff, .cancelled] {
            #expect(VariantLifecycle.claim(VariantStatus(progress: state), now: Self.now) == .skip, "\(state.rawValue)")
        }
    }

    @Test func aFailedAttemptBecomesTheEventItsOutcomeSays() {
        #expect(
            VariantLifecycle.event(for: .retry(after: 120, reason: "busy"), now: Self.now) == .failedRetryable(retryAt: Self.later, reason: "busy"))
        #expect(VariantLifecycle.event(for: .unconfirmed(checkAfter: 30, reason: "t"), now: Self.now) == .outcomeUnknown(reason: "t"))
        #expect(VariantLifecycle.event(for: .failed(code: "c", reason: "r"), now: Self.now) == .failedFinal(code: "c", reason: "r"))
        #expect(VariantLifecycle.event(for: .handOff(reason: "h"), now: Self.now) == .handedOff(reason: "h"))
    }

    @Test func platformFailuresMapToOutcomes() {
        #expect(PublicationRules.outcome(of: .rateLimited(retryAfter: 0), reason: "slow", attempts: 1) == .retry(after: 1, reason: "slow"))
        #expect(PublicationRules.outcome(of: .temporary, reason: "502", attempts: 1) == .retry(after: 15, reason: "502"))
        #expect(
            PublicationRules.outcome(of: .temporary, reason: "502", attempts: PublicationRules.maxAttempts)
                == .failed(code: "platform_unavailable", reason: "502 Gave up after 6 attempts."))
        #expect(
            PublicationRules.outcome(of: .outcomeUnknown, reason: "t", attempts: 1)
                == .unconfirmed(checkAfter: PublicationRules.unconfirmedRecheck, reason: "t"))
        #expect(PublicationRules.outcome(of: .expiredCredentials, reason: "r", attempts: 1) == .failed(code: "expired_credentials", reason: "r"))
        #expect(PublicationRules.outcome(of: .rejected, reason: "r", attempts: 1) == .failed(code: "rejected", reason: "r"))
        #expect(PublicationRules.outcome(of: .notSupported("by hand"), reason: "r", attempts: 1) == .handOff(reason: "by hand"))
        #expect(PublicationRules.outcome(of: .notFound, reason: "r", attempts: 1) == .failed(code: "not_found", reason: "r"))
    }
}
