import Foundation

/// Hiding a fan's reply on Bluesky. Bluesky has no "hide" on a post; the
/// author of a thread lists replies to hide in the thread gate of its root
/// post (`app.bsky.feed.threadgate`, record key = the root's key, in the
/// same repository; `hiddenReplies`, at most 300 at-uris). Apps then fold
/// those replies away behind "hidden by the author". So a reply can be
/// hidden only in a thread the account started, and the gate may already
/// hold the account's own reply rules (`allow`), which must survive: the
/// record is read, changed in that one list and written back with
/// `swapRecord`, so a change made meanwhile (by the app or another
/// Fanfare node) is never overwritten, only retried on top of.
/// Lexicon: github.com/bluesky-social/atproto lexicons/app/bsky/feed/threadgate.json;
/// docs.bsky.app/docs/tutorials/thread-gates.
struct BlueskyThreadgate {
    static let collection = "app.bsky.feed.threadgate"
    /// The lexicon's `maxLength` of `hiddenReplies`.
    static let maxHidden = 300

    let api: BlueskyAPI
    let did: String
    let token: String

    /// Hides (`hidden`) or shows again the reply `replyURI`; doing it twice
    /// changes nothing.
    func set(hidden: Bool, reply replyURI: String, now: Date) async throws(ConnectorError) {
        guard let reply = ATURI(replyURI), reply.collection == "app.bsky.feed.post" else {
            throw .rejected(reason: "Only replies can be hidden on Bluesky; this interaction is a like, repost or follow.")
        }
        let posts = try await api.query(BlueskyEntity.Posts.self, "app.bsky.feed.getPosts", params: [("uris", replyURI)], token: token, now: now)
        guard let post = posts.posts.first else { throw .notFound }
        guard let rootURI = post.record.reply?.root.uri, let root = ATURI(rootURI) else {
            throw .rejected(
                reason: "This post is not a reply (it mentions or quotes the account); Bluesky hides only replies. Block its author instead.")
        }
        guard root.repo == did else {
            throw .rejected(
                reason:
                    "This reply is in a thread another account started; Bluesky lets only the thread's author hide replies. Block its author instead."
            )
        }
        // Two tries on top of a gate changed meanwhile; a third conflict is
        // reported rather than looped on.
        for attempt in 0..<3 {
            let existing = try await gate(rkey: root.rkey, now: now)
            var record = existing?.value ?? ["$type": Self.collection, "post": rootURI, "createdAt": BlueskyAPI.formatDate(now)]
            var list = record["hiddenReplies"] as? [String] ?? []
            if hidden {
                if list.contains(replyURI) { return }
                guard list.count < Self.maxHidden else {
                    throw .rejected(reason: "Bluesky hides at most \(Self.maxHidden) replies in one thread, and this thread has that many.")
                }
                list.append(replyURI)
            } else {
                guard list.contains(replyURI) else { return }
                list.removeAll { $0 == replyURI }
            }
            // An absent `allow` lets everyone reply; a new gate must not
            // write one (an empty list would close the thread).
            record["hiddenReplies"] = list
            var input: [String: Any] = ["repo": did, "collection": Self.collection, "rkey": root.rkey, "record": record]
            if let cid = existing?.cid { input["swapRecord"] = cid }
            let body: Data
            do { body = try JSONSerialization.data(withJSONObject: input) } catch { throw .rejected(reason: "The thread gate could not be written.") }
            let method = existing == nil ? "com.atproto.repo.createRecord" : "com.atproto.repo.putRecord"
            let response = try await api.send("POST", method, body: body, token: token)
            if (200..<300).contains(response.status) { return }
            let error = BlueskyAPI.xrpcError(response.body).error
            // InvalidSwap: the gate changed since it was read; a failed create:
            // someone made it meanwhile. Read it again and apply the change on top.
            let conflict = error == "InvalidSwap" || (existing == nil && response.status == 500) || error == "RecordAlreadyExists"
            if conflict && attempt < 2 { continue }
            throw api.error(for: response, now: now)
        }
    }

    /// The gate of the root post `rkey` as stored (its fields kept as they
    /// are, including any this code does not know) and its version.
    func gate(rkey: String, now: Date) async throws(ConnectorError) -> (value: [String: Any], cid: String?)? {
        let response = try await api.send(
            "GET", "com.atproto.repo.getRecord", params: [("repo", did), ("collection", Self.collection), ("rkey", rkey)], token: token)
        guard (200..<300).contains(response.status) else {
            let error = api.error(for: response, now: now)
            if error == .notFound { return nil }
            throw error
        }
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any], let value = object["value"] as? [String: Any]
        else {
            throw .temporary(reason: "\(api.host) answered the thread gate in a form Fanfare does not understand.")
        }
        return (value, object["cid"] as? String)
    }
}
