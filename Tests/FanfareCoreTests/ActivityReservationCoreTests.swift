import FanfareCore
import Foundation
import Testing

@Suite struct ActivityReservationCoreTests {
    let ladder = LevelLadder.standard
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aReservationAdmitsTheLevelsThatGrantItAndEveryoneOnceOpen() {
        let meetup = ActivityReservation(privilege: "meetup")
        #expect(!meetup.admits(lifetimePoints: 7_999, ladder: ladder, now: start))
        #expect(meetup.admits(lifetimePoints: 8_000, ladder: ladder, now: start))
        #expect(meetup.lowestLevel(in: ladder)?.number == 4)
        let early = ActivityReservation(privilege: "early_access", openToAllAt: start.addingTimeInterval(60))
        #expect(!early.admits(lifetimePoints: 0, ladder: ladder, now: start.addingTimeInterval(59)))
        #expect(early.admits(lifetimePoints: 0, ladder: ladder, now: start.addingTimeInterval(60)))
        #expect(ActivityReservation().admits(lifetimePoints: 0, ladder: ladder, now: start), "no privilege: every fan")
        let nobody = LevelLadder(levels: [LoyaltyLevel(number: 1, name: "All", minLifetimePoints: 0)])
        #expect(meetup.lowestLevel(in: nobody) == nil && !meetup.admits(lifetimePoints: 1_000_000, ladder: nobody, now: start))
    }

    @Test func aReservationIsCheckedAgainstTheKnownPrivilegesAndTheActivitysTime() {
        let end = start.addingTimeInterval(3_600)
        #expect(ActivityReservation(privilege: "backstage").problems(startsAt: start, endsAt: end).map(\.field) == ["privilege"])
        #expect(
            ActivityReservation(openToAllAt: start.addingTimeInterval(60)).problems(startsAt: start, endsAt: end).map(\.field) == ["open_to_all_at"])
        #expect(
            ActivityReservation(privilege: "early_access", openToAllAt: end).problems(startsAt: start, endsAt: end).map(\.field) == ["open_to_all_at"]
        )
        #expect(
            ActivityReservation(privilege: "early_access", openToAllAt: start.addingTimeInterval(60)).problems(startsAt: start, endsAt: end).isEmpty)
    }

    @Test func aSignUpReadsItsJSONAndNeedsAVenueAndPlaces() throws {
        let json = #"{"kind":"sign_up","venue":"静安店","places":30,"happens_at":"2026-12-20T10:00:00Z"}"#
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let settings = try decoder.decode(ActivitySettings.self, from: Data(json.utf8))
        guard case .signUp(let signUp) = settings else {
            Issue.record("not a sign-up: \(settings)")
            return
        }
        #expect(signUp.places == 30 && signUp.venue == "静安店" && signUp.happensAt != nil)
        let fields = ActivitySettings.signUp(SignUpSettings(venue: "", places: 0)).problems(now: start).map(\.field)
        #expect(fields == ["venue", "places"])
    }
}
