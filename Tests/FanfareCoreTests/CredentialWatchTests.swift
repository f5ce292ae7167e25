import FanfareCore
import Foundation
import Testing

/// The token watch's rules, without a database or a platform.
@Suite struct CredentialWatchTests {
    let now = Date(timeIntervalSince1970: 1_780_000_000)
    let day: TimeInterval = 86_400

    @Test func aRefreshableTokenIsRefreshedWithinItsMarginAndNotBefore() {
        // Douyin: 15-day access tokens, refreshed a day ahead.
        var douyin = CredentialWatch.Credential(
            expiresAt: now.addingTimeInterval(2 * day), refreshable: true, refreshExpiresAt: now.addingTimeInterval(20 * day), renewable: true)
        #expect(!CredentialWatch.shouldRefresh(douyin, now: now))
        douyin.expiresAt = now.addingTimeInterval(day - 60)
        #expect(CredentialWatch.shouldRefresh(douyin, now: now))
        // Already expired: still refreshed while the refresh token works.
        douyin.expiresAt = now.addingTimeInterval(-60)
        #expect(CredentialWatch.shouldRefresh(douyin, now: now))
        // …not once the refresh token has run out.
        douyin.refreshExpiresAt = now
        #expect(!CredentialWatch.shouldRefresh(douyin, now: now))
        // Bluesky: two-hour sessions, half an hour ahead.
        let session = CredentialWatch.Credential(expiresAt: now.addingTimeInterval(3_600), refreshable: true, refreshAhead: 1_800)
        #expect(!CredentialWatch.shouldRefresh(session, now: now))
        #expect(CredentialWatch.shouldRefresh(session, now: now.addingTimeInterval(1_900)))
        // Weibo: nothing to refresh with.
        let weibo = CredentialWatch.Credential(expiresAt: now.addingTimeInterval(60), refreshable: false)
        #expect(!CredentialWatch.shouldRefresh(weibo, now: now))
        // Mastodon: no expiry at all.
        #expect(!CredentialWatch.shouldRefresh(.init(expiresAt: nil, refreshable: false), now: now))
    }

    @Test func aRefreshTokenIsRenewedBeforeTheFirstNoticeWouldGoOut() {
        var credential = CredentialWatch.Credential(
            expiresAt: now.addingTimeInterval(10 * day), refreshable: true, refreshExpiresAt: now.addingTimeInterval(9 * day), renewable: true)
        #expect(!CredentialWatch.shouldRenew(credential, now: now))
        credential.refreshExpiresAt = now.addingTimeInterval(8 * day - 1)
        #expect(CredentialWatch.shouldRenew(credential, now: now))
        #expect(CredentialWatch.renewAhead > 7 * day)
        credential.renewable = false
        #expect(!CredentialWatch.shouldRenew(credential, now: now))
        credential.renewable = true
        credential.refreshExpiresAt = now.addingTimeInterval(-1)
        #expect(!CredentialWatch.shouldRenew(credential, now: now), "an ended refresh token cannot be renewed")
    }

    @Test func theEndIsTheAccessTokensWhenNothingRefreshesItAndTheRefreshTokensOtherwise() {
        let weibo = CredentialWatch.Credential(expiresAt: now.addingTimeInterval(5 * day), refreshable: false)
        #expect(weibo.endsAt == now.addingTimeInterval(5 * day))
        let douyin = CredentialWatch.Credential(
            expiresAt: now.addingTimeInterval(day), refreshable: true, refreshExpiresAt: now.addingTimeInterval(29 * day))
        #expect(douyin.endsAt == now.addingTimeInterval(29 * day))
        let bluesky = CredentialWatch.Credential(expiresAt: now.addingTimeInterval(3_600), refreshable: true)
        #expect(bluesky.endsAt == nil)
    }

    @Test func noticesComeAtSevenDaysAtOneDayAndAtTheEnd() {
        func due(_ left: TimeInterval) -> CredentialWatch.Notice? {
            CredentialWatch.noticeDue(.init(expiresAt: now.addingTimeInterval(left), refreshable: false), now: now)
        }
        #expect(due(30 * day) == nil)
        #expect(due(7 * day + 1) == nil)
        #expect(due(7 * day) == .sevenDays)
        #expect(due(2 * day) == .sevenDays)
        #expect(due(day) == .oneDay)
        #expect(due(60) == .oneDay)
        #expect(due(0) == .expired)
        #expect(due(-day) == .expired)
        #expect(CredentialWatch.noticeDue(.init(expiresAt: nil, refreshable: false), now: now) == nil)
        #expect(Set(CredentialWatch.Notice.allCases.map(\.rawValue)).count == CredentialWatch.Notice.allCases.count)
    }

    @Test func onlyRefreshesOfTokensThatLastDaysAreAudited() {
        #expect(CredentialWatch.auditsRefresh(newExpiry: now.addingTimeInterval(15 * day), now: now))
        #expect(!CredentialWatch.auditsRefresh(newExpiry: now.addingTimeInterval(7_200), now: now))
        #expect(CredentialWatch.auditsRefresh(newExpiry: nil, now: now))
    }
}
