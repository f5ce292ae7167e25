import FanfareCore
import Foundation
import Testing

/// Which notices reach an outbound channel, and when a failed delivery is
/// tried again (issue 20, channels; docs/listening.md § Channels).
@Suite struct NotifyRouteTests {
    @Test func aRouteTakesItsKindsFromItsGradeAndItsMonitors() {
        let m1 = UUID()
        let m2 = UUID()
        let route = NotifyRoute(kinds: ["alert", "publish_failed"], minimumGrade: .orange, monitorIDs: [m1])
        #expect(route.matches(kind: "alert", grade: .orange, monitorID: m1))
        #expect(route.matches(kind: "alert", grade: .red, monitorID: m1))
        #expect(!route.matches(kind: "alert", grade: .yellow, monitorID: m1), "below the lowest grade")
        #expect(!route.matches(kind: "alert", grade: .red, monitorID: m2), "another monitor")
        #expect(!route.matches(kind: "anomaly", grade: nil, monitorID: nil), "a kind it does not take")
        // A notice without grade or monitor is not held back by them.
        #expect(route.matches(kind: "publish_failed", grade: nil, monitorID: nil))
        let open = NotifyRoute(kinds: ["alert"])
        #expect(open.matches(kind: "alert", grade: .blue, monitorID: m2) && open.matches(kind: "alert", grade: nil, monitorID: nil))
        #expect(!NotifyRoute(kinds: []).matches(kind: "alert", grade: .red, monitorID: nil))
    }

    @Test func failuresAreRetriedAfter30s2min10min1hThenGivenUp() {
        #expect((1...5).map { NotifyRetry.delay(afterAttempts: $0) } == [30, 120, 600, 3_600, nil])
        #expect(NotifyRetry.maxAttempts == 5)
        #expect(NotifyRetry.delay(afterAttempts: 0) == nil)
        // A receiver's own longer wait ("too fast, try in 60 s") is kept.
        #expect(NotifyRetry.delay(afterAttempts: 1, retryAfter: 60) == 60)
        #expect(NotifyRetry.delay(afterAttempts: 3, retryAfter: 60) == 600)
    }
}
