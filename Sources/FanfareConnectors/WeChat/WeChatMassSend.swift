import Crypto
import FanfareCore
import Foundation

/// Tag mass-send (标签群发) for experiments randomised by audience (issue
/// 21): the arm's fans get a tag (用户标签管理, `tags/create`,
/// `tags/members/batchtagging`), the variant goes to the draft box as
/// publishing puts it there (`draft(of:)`), and `message/mass/sendall`
/// sends that draft to the tag only. Unlike publishing (发布) this pushes
/// the article into the fans' chats and uses the account's mass-send
/// quota. Sources: developers.weixin.qq.com/doc/service/api/usermanage/tag
/// (api_createtag, api_gettags, api_batchtagging),
/// /doc/service/api/notify/message/api_sendall and
/// /doc/service/api/wedata/news/api_getarticletotal; see PLATFORMS.md,
/// "WeChat tag mass-send".
extension WeChatConnector {
    /// 100,000 fans a send: WeChat will not delete a tag holding more than
    /// 100,000 fans (the fans must be untagged first, 50 a call), so an
    /// arm's tag stays removable; tagging that many already takes 2,000
    /// `batchtagging` calls in one job.
    public var maxAudience: Int { 100_000 }

    /// Openids one `batchtagging` call takes (40032 above).
    static let taggingBatch = 50
    /// WeChat's limit on a tag name: "30个字节以内" (45158 says bytes; an
    /// older page says characters), so Fanfare counts UTF-8 bytes, which
    /// is never more than WeChat accepts.
    static let tagNameBytes = 30

    public func send(_ post: PublishRequest, toFans fanIDs: [String], group: String) async throws(ConnectorError) -> AudienceSend {
        let name = group.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw .rejected(reason: "The group needs a name to become a WeChat tag") }
        guard name.utf8.count <= Self.tagNameBytes else {
            throw .rejected(
                reason: "The group name “\(name)” is \(name.utf8.count) bytes long; WeChat tag names take at most \(Self.tagNameBytes) bytes")
        }
        var seen: Set<String> = []
        let fans = fanIDs.filter { seen.insert($0).inserted }
        guard !fans.isEmpty else { throw .rejected(reason: "The group has no fans to send to") }
        guard fans.count <= maxAudience else {
            throw .rejected(reason: "The group has \(fans.count) fans; WeChat sends to at most \(maxAudience) fans a group in Fanfare")
        }
        guard !fans.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw .rejected(reason: "One of the group's fans has an empty openid")
        }
        // The article is checked before the first call, as publishing does.
        try checkArticle(post)

        let tag = try await tagID(named: name)
        for start in stride(from: 0, to: fans.count, by: Self.taggingBatch) {
            let batch = Array(fans[start..<min(start + Self.taggingBatch, fans.count)])
            // Tagging a fan twice is harmless, so a lost answer is a
            // passing fault.
            _ = try await repeatable { () async throws(ConnectorError) in
                try await api.post(
                    "cgi-bin/tags/members/batchtagging", token: token, WeChatTagging(openidList: batch, tagid: tag), as: WeChatEmpty.self,
                    now: clock(), errors: { Self.taggingError($0, $1, batch: batch) })
            }
        }
        let draft = try await draft(of: post)
        let body = WeChatMassSendAll(filter: .init(tagId: tag), mpnews: draft, clientmsgid: Self.clientMessageID(post.idempotencyKey))
        // A lost answer may hide a send that went out; sending again is
        // still safe, because WeChat answers the same `clientmsgid` within
        // 24 hours with 45065 and the first send's msg_id instead of
        // sending twice. So it is a passing fault, not an unknown outcome.
        // (After 24 hours WeChat would send again; the scheduler retries
        // within minutes.)
        let sent = try await repeatable { () async throws(ConnectorError) in
            try await api.post(
                "cgi-bin/message/mass/sendall", token: token, body, as: WeChatMassSent.self, now: clock(), errors: Self.massSendError,
                answers: [Self.duplicateSend])
        }
        guard let messageID = sent.msgId?.value else {
            throw .temporary(reason: "WeChat took the mass-send without naming it (no msg_id); Fanfare will ask again with the same clientmsgid")
        }
        // 45065 names only the earlier send's msg_id, not its msg_data_id,
        // so such a send has no statistics key (see `reach`).
        let dataID = sent.errcode == Self.duplicateSend ? nil : sent.msgDataId?.value
        return AudienceSend(messageID: messageID, dataID: dataID, sentAt: clock(), addressed: fans.count)
    }

    /// `getarticletotal` for the send's day (Beijing time): its first
    /// article's delivered fans (`target_user`) and readers
    /// (`int_page_read_user`, cumulative per `stat_date`, so the latest
    /// day's, the largest). WeChat has statistics from the next day on.
    public func reach(of send: AudienceSend, fanIDs: [String], now: Date) async throws(ConnectorError) -> AudienceReach? {
        let day = MetricDay.of(send.sentAt, in: Self.statisticsZone)
        guard MetricDay.of(now, in: Self.statisticsZone) > day else { return nil }
        guard let dataID = send.dataID, !dataID.isEmpty else {
            throw .notSupported(
                "WeChat answered this send only with its msg_id \(send.messageID) (a repeated send, errcode 45065), and its statistics are keyed by msg_data_id; see its reads in the WeChat backend"
            )
        }
        let total = try await read(
            "datacube/getarticletotal", WeChatDateRange(beginDate: day, endDate: day), as: WeChatUserList<WeChatArticleTotal>.self)
        // `msgid` is "<msg_data_id>_<article index>"; Fanfare sends one
        // article, index 1.
        guard let entry = (total.list ?? []).first(where: { $0.msgid == "\(dataID)_1" }) else { return nil }
        let details = entry.details ?? []
        guard let latest = details.max(by: { $0.statDate < $1.statDate }) else { return nil }
        return AudienceReach(
            delivered: latest.targetUser ?? details.compactMap(\.targetUser).max() ?? 0,
            readers: details.compactMap(\.intPageReadUser).max() ?? 0)
    }

    /// The tag's id: created, or found by name when WeChat says the name is
    /// taken (45157, also the answer when an earlier try created it).
    func tagID(named name: String) async throws(ConnectorError) -> Int {
        let created = try await repeatable { () async throws(ConnectorError) in
            try await api.post(
                "cgi-bin/tags/create", token: token, WeChatTagCreate(tag: .init(name: name)), as: WeChatTagCreated.self, now: clock(),
                errors: Self.tagError, answers: [Self.tagNameTaken])
        }
        if let id = created.tag?.id, created.errcode ?? 0 == 0 { return id }
        let tags = try await api.get("cgi-bin/tags/get", token: token, as: WeChatTags.self, now: clock())
        guard let tag = (tags.tags ?? []).first(where: { $0.name == name }) else {
            throw .rejected(reason: "WeChat refused the tag name “\(name)” (errcode 45157) and has no tag of that name; choose another group name")
        }
        return tag.id
    }

    /// WeChat takes at most 64 bytes and deduplicates by it for 24 hours:
    /// the key's SHA-256 in hex is exactly 64, whatever the key.
    static func clientMessageID(_ idempotencyKey: String) -> String {
        HexText.lower(SHA256.hash(data: Data(idempotencyKey.utf8)))
    }

    static let tagNameTaken = 45157
    static let duplicateSend = 45065

    @Sendable static func tagError(_ errcode: Int, _ errmsg: String) -> ConnectorError? {
        let said = "errcode \(errcode)\(errmsg.isEmpty ? "" : ": \(errmsg)")"
        switch errcode {
        case 45158:
            return .rejected(reason: "WeChat says the group name is too long for a tag (\(said)); keep it to 30 bytes")
        case 45056:
            return .rejected(
                reason:
                    "The account already has 100 tags, WeChat's limit (\(said)); delete tags no longer used under 用户管理 → 标签 in the WeChat backend")
        default:
            return nil
        }
    }

    /// `tags/members/batchtagging`'s errcodes for the batch `batch`.
    static func taggingError(_ errcode: Int, _ errmsg: String, batch: [String]) -> ConnectorError? {
        let said = "errcode \(errcode)\(errmsg.isEmpty ? "" : ": \(errmsg)")"
        switch errcode {
        case 45059:
            return .rejected(
                reason:
                    "A fan of this group already has 20 tags, the most WeChat allows (\(said)); remove tags no longer used under 用户管理 → 标签 in the WeChat backend, then send again"
            )
        case 40003, 49003:
            // WeChat does not say which openid; name it when the message does.
            let named = batch.first { errmsg.contains($0) }
            let which =
                named.map { "the openid \($0)" } ?? "one of the openids \(batch.first ?? "")…\(batch.last ?? "") (\(batch.count) in this batch)"
            return .rejected(reason: "WeChat does not know \(which) as a fan of this account (\(said)); the fan may have unfollowed")
        case 45159:
            return .temporary(reason: "WeChat no longer knows the group's tag (\(said)); Fanfare will look it up again")
        default:
            return nil
        }
    }

    @Sendable static func massSendError(_ errcode: Int, _ errmsg: String) -> ConnectorError? {
        let said = "errcode \(errcode)\(errmsg.isEmpty ? "" : ": \(errmsg)")"
        switch errcode {
        case 45066:
            // The same clientmsgid again within a minute.
            return .rateLimited(retryAfter: 60)
        case 40152:
            return .temporary(reason: "WeChat does not know the group's tag (\(said)); Fanfare will look it up again")
        default:
            return nil
        }
    }
}

/// `tags/create`: `{"tag": {"name": "..."}}`.
struct WeChatTagCreate: Encodable {
    struct Tag: Encodable {
        let name: String
    }
    let tag: Tag
}

struct WeChatTag: Decodable {
    let id: Int
    let name: String
    let count: Int?
}

/// `tags/create`'s answer: the tag, or errcode 45157 (name taken).
struct WeChatTagCreated: Decodable {
    let errcode: Int?
    let tag: WeChatTag?
}

/// `tags/get`: every tag of the account (at most 100).
struct WeChatTags: Decodable {
    let tags: [WeChatTag]?
}

/// `tags/members/batchtagging`: at most 50 openids.
struct WeChatTagging: Encodable {
    let openidList: [String]
    let tagid: Int
}

/// `message/mass/sendall` with a draft (图文消息, mpnews) to one tag.
struct WeChatMassSendAll: Encodable {
    struct Filter: Encodable {
        let isToAll = false
        let tagId: Int
    }
    let filter: Filter
    let mpnews: WeChatMediaID
    let msgtype = "mpnews"
    /// 0: stop when WeChat judges the article a reprint (its default).
    let sendIgnoreReprint = 0
    let clientmsgid: String
}

/// `{"errcode":0,"msg_id":34182,"msg_data_id":206227730}`, or errcode 45065
/// with the earlier send's `msg_id` only.
struct WeChatMassSent: Decodable {
    let errcode: Int?
    let msgId: WeChatText?
    let msgDataId: WeChatText?
}

/// One `getarticletotal` article: `msgid` "<msg_data_id>_<index>" and its
/// cumulative figures per `stat_date`.
struct WeChatArticleTotal: Decodable {
    struct Detail: Decodable {
        let statDate: String
        let targetUser: Int?
        let intPageReadUser: Int?
    }
    let refDate: String?
    let msgid: String
    let title: String?
    let details: [Detail]?
}
