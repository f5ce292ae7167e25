import Foundation

/// Reads notifications oldest first. Bluesky lists them newest first and
/// its cursor only goes back in time, so Fanfare's cursor is its own: the
/// time and address of the last notification returned. Each call pages
/// back until it reaches that point, then returns what is newer, oldest
/// first.
struct BlueskyInbox {
    let api: BlueskyAPI
    let token: String
    let now: Date
    /// How far back one call reads (20 × 100 notifications): a first read
    /// of a busy account starts at most that far back.
    var maxPages = 20

    struct Point: Comparable {
        var millis: Int64
        var uri: String

        static func < (lhs: Point, rhs: Point) -> Bool { (lhs.millis, lhs.uri) < (rhs.millis, rhs.uri) }

        /// `<milliseconds>|<at-uri>`.
        init?(cursor: String) {
            let parts = cursor.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let millis = Int64(parts[0]) else { return nil }
            self.millis = millis
            self.uri = String(parts[1])
        }

        init(_ notification: BlueskyEntity.Notification) {
            millis = Int64(((BlueskyAPI.parseDate(notification.indexedAt)?.timeIntervalSince1970 ?? 0) * 1_000).rounded())
            uri = notification.uri
        }

        var cursor: String { "\(millis)|\(uri)" }
    }

    func interactions(since cursor: String?, limit: Int) async throws(ConnectorError) -> InteractionPage {
        var after: Point?
        if let cursor {
            guard let point = Point(cursor: cursor) else {
                throw .rejected(reason: "The stored Bluesky position “\(cursor)” is not one Fanfare wrote; reset the account's inbox position.")
            }
            after = point
        }
        var newer: [BlueskyEntity.Notification] = []
        var pageCursor: String?
        for _ in 0..<maxPages {
            var params = [("limit", "100")]
            if let pageCursor { params.append(("cursor", pageCursor)) }
            let page = try await api.query(
                BlueskyEntity.Notifications.self, "app.bsky.notification.listNotifications", params: params, token: token, now: now)
            let fresh = page.notifications.filter { after == nil || Point($0) > after! }
            newer += fresh
            guard fresh.count == page.notifications.count, let next = page.cursor, !page.notifications.isEmpty else { break }
            pageCursor = next
        }
        var seen: Set<String> = []
        let ordered = newer.sorted { Point($0) < Point($1) }.filter { seen.insert($0.uri).inserted }
        let taken = ordered.prefix(max(1, limit))
        return InteractionPage(
            interactions: taken.compactMap(Self.interaction), nextCursor: taken.last.map { Point($0).cursor } ?? cursor ?? "0|")
    }

    static func interaction(_ notification: BlueskyEntity.Notification) -> Interaction? {
        let kind: InteractionKind
        var postID = notification.reasonSubject
        switch notification.reason {
        case "like": kind = .like
        case "repost", "quote": kind = .share
        case "reply":
            kind = .comment
            postID = notification.record?.reply?.parent.uri ?? notification.reasonSubject
        case "mention":
            kind = .mention
            postID = nil
        case "follow":
            kind = .follow
            postID = nil
        default: return nil
        }
        let author = notification.author
        let name = author.displayName.flatMap { $0.isEmpty ? nil : $0 } ?? author.handle
        let text = ["reply", "mention", "quote"].contains(notification.reason) ? notification.record?.text : nil
        return Interaction(
            remoteID: notification.uri, kind: kind, postRemoteID: postID, authorID: author.did, authorName: name, text: text,
            at: BlueskyAPI.parseDate(notification.indexedAt) ?? Date(timeIntervalSince1970: 0))
    }
}
