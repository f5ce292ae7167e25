import FanfareCore
import Foundation

/// A WeChat Official Account (公众号): publishes articles through the draft
/// box and the publishing API (draft → submit → poll), receives messages
/// by push.
///
/// Publishing (发布) is not mass-sending (群发): the article gets a link
/// and a place on the account's page but is not pushed to followers'
/// chats, and it does not use the mass-send quota.
public struct WeChatConnector: Connector, TemplateMessaging, AudienceSending {
    public let platform = "wechat"
    public let appID: String
    /// The account's own page behind 阅读原文; carries the reconciliation
    /// marker (see `WeChatArticle`).
    public let readOriginalURL: URL?
    /// A permanent image (素材管理) used as every article's cover.
    public let coverMediaID: String?
    let credentials: ConnectorCredentials
    let api: WeChatAPI
    /// Seconds to wait before each `freepublish/get`; when they run out with
    /// the job still publishing, the outcome is unknown.
    public var pollDelays: [TimeInterval]
    /// Seconds between two statistics calls of a history read, so a
    /// backfill of weeks never bursts (`accountHistory`).
    public var historySpacing: TimeInterval
    public let clock: @Sendable () -> Date

    /// About two minutes: WeChat's publishing job usually ends within
    /// seconds, its review sometimes takes longer.
    public static let defaultPollDelays: [TimeInterval] = [2, 3, 5, 10, 15, 20, 30, 30]

    public init(
        appID: String, readOriginalURL: URL?, coverMediaID: String?, credentials: ConnectorCredentials, apiBase: URL = WeChatKind.defaultAPIBase,
        transport: any HTTPTransport, pollDelays: [TimeInterval] = WeChatConnector.defaultPollDelays, historySpacing: TimeInterval = 1,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.appID = appID
        self.readOriginalURL = readOriginalURL
        self.coverMediaID = coverMediaID
        self.credentials = credentials
        self.api = WeChatAPI(base: apiBase, transport: transport)
        self.pollDelays = pollDelays
        self.historySpacing = historySpacing
        self.clock = clock
    }

    public var capabilities: ConnectorCapabilities {
        ConnectorCapabilities(
            unattendedPublishing: true, canDelete: true, canReply: true, interactionKinds: [.directMessage], postMetrics: false,
            receivesWebhooks: true)
    }

    var token: String { credentials.accessToken }

    ///
    /// The variant's first picture becomes the cover: uploaded as permanent
    /// material (`material/add_material`, type image), whose media ID the
    /// draft names; the other pictures are uploaded for use inside articles
    /// (`media/uploadimg`) and follow the text. Without pictures the
    /// account's cover media ID is used. Uploads repeated after a fault
    /// leave a spare material in the account's library, never a second
    /// article.
    public func publish(_ request: PublishRequest) async throws(ConnectorError) -> PublishedPost {
        let draft = try await draft(of: request)
        let submitted = try await api.post(
            "cgi-bin/freepublish/submit", token: token, draft, as: WeChatSubmitted.self, now: clock())
        return try await poll(publishID: submitted.publishId.value)
    }

    /// The variant as an article in the draft box (`draft/add`), its
    /// pictures uploaded first: what publishing and mass-sending
    /// (`WeChatMassSend`) both send. Nothing reaches a fan here, so a lost
    /// answer is a passing fault: at worst a spare draft or material stays
    /// in the account's library.
    func draft(of request: PublishRequest) async throws(ConnectorError) -> WeChatMediaID {
        try checkArticle(request)
        var cover: String?
        var images: [String] = []
        for (index, upload) in request.media.enumerated() {
            let file = MultipartBody.File(field: "media", fileName: upload.fileName, contentType: upload.format.mimeType, data: upload.data)
            if index == 0 {
                cover = try await api.upload(
                    "cgi-bin/material/add_material", token: token, query: [("type", "image")], file: file, as: WeChatMaterial.self, now: clock()
                ).mediaId
            } else {
                images.append(try await api.upload("cgi-bin/media/uploadimg", token: token, file: file, as: WeChatImageURL.self, now: clock()).url)
            }
        }
        let article = try article(for: request, cover: cover, images: images)
        do {
            return try await api.post("cgi-bin/draft/add", token: token, WeChatDraft(articles: [article]), as: WeChatMediaID.self, now: clock())
        } catch .outcomeUnknown(let reason) {
            // At worst a draft was saved: nothing is published, so sending
            // again is safe.
            throw .temporary(reason: reason)
        }
    }

    /// Everything but the uploads, checked before anything is sent (the
    /// cover stands in for the one about to be uploaded).
    func checkArticle(_ request: PublishRequest) throws(ConnectorError) {
        _ = try article(for: request, cover: request.media.isEmpty ? nil : "to-upload")
    }

    func article(for request: PublishRequest, cover uploaded: String? = nil, images: [String] = []) throws(ConnectorError) -> WeChatArticle {
        let variant = request.variant
        guard let title = variant.title?.trimmingCharacters(in: .whitespacesAndNewlines), !title.isEmpty else {
            throw .rejected(reason: "WeChat articles need a title; add one to this variant")
        }
        let text = WeChatArticle.html(variant.text)
        guard !text.isEmpty else { throw .rejected(reason: "The article has no text; write the text of this variant") }
        let content = text + images.map { "<p><img src=\"\(WeChatArticle.escape($0))\"/></p>" }.joined()
        guard let cover = uploaded ?? coverMediaID?.trimmingCharacters(in: .whitespaces), !cover.isEmpty else {
            throw .rejected(
                reason:
                    "WeChat articles need a cover image: upload one as a permanent image (素材管理) in the WeChat backend and enter its media ID as this account's cover media ID in Fanfare"
            )
        }
        guard let readOriginalURL else {
            throw .rejected(reason: "This WeChat account has no 阅读原文 link; reconnect it and enter your site's address")
        }
        let source = WeChatArticle.sourceURL(readOriginalURL, marker: WeChatArticle.marker(for: request.idempotencyKey))
        return WeChatArticle(title: title, content: content, contentSourceUrl: source, thumbMediaId: cover)
    }

    /// Waits for the publishing job. Once it was submitted, anything short
    /// of WeChat's final word is an unknown outcome: the article may still
    /// appear, so the scheduler reconciles with `findPost`.
    func poll(publishID: String) async throws(ConnectorError) -> PublishedPost {
        var lastProblem = "the job was still publishing"
        for delay in pollDelays {
            if delay > 0 {
                do {
                    try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
                } catch {
                    throw .outcomeUnknown(reason: "Fanfare stopped waiting for WeChat publishing job \(publishID); it may still publish")
                }
            }
            let state: WeChatPublishState
            do {
                state = try await api.post(
                    "cgi-bin/freepublish/get", token: token, WeChatPublishID(publishId: publishID), as: WeChatPublishState.self, now: clock())
            } catch {
                lastProblem = "checking it failed (\(error))"
                continue
            }
            switch state.publishStatus {
            case 0:
                guard let articleID = state.articleId?.value else {
                    lastProblem = "WeChat reported success without an article id"
                    continue
                }
                var url = state.articleDetail?.item?.first?.articleUrl
                if url == nil { url = try? await articleURL(articleID) }
                return PublishedPost(remoteID: articleID, url: url ?? "", publishedAt: clock())
            case 1:
                continue
            default:
                throw .rejected(reason: Self.failure(state.publishStatus, failed: state.failIdx ?? []))
            }
        }
        throw .outcomeUnknown(reason: "WeChat publishing job \(publishID) did not finish while Fanfare waited (\(lastProblem)); it may still publish")
    }

    /// `publish_status` values 2 and above, as the publishing docs define them.
    static func failure(_ status: Int, failed: [Int]) -> String {
        let which = failed.isEmpty ? "" : " (article \(failed.map(String.init).joined(separator: ", ")))"
        switch status {
        case 2:
            return
                "WeChat refused the original-content claim (原创失败)\(which); publish it without claiming originality or check the claim in the WeChat backend"
        case 3:
            return "WeChat's publishing job failed (常规失败)\(which); open the draft in the WeChat backend and publish it there to see why"
        case 4:
            return "WeChat's review refused the article (审核不通过)\(which); change the content before publishing again"
        case 5:
            return "The article was published and then deleted in the WeChat backend"
        case 6:
            return "The article was published and then blocked by WeChat (封禁)"
        default:
            return "WeChat's publishing job ended with status \(status)\(which)"
        }
    }

    func articleURL(_ articleID: String) async throws(ConnectorError) -> String? {
        let article = try await api.post(
            "cgi-bin/freepublish/getarticle", token: token, WeChatArticleID(articleId: articleID), as: WeChatArticleContent.self, now: clock())
        return article.newsItem.first?.url
    }

    /// Looks for the marker in the 阅读原文 links of the latest published
    /// articles (40), then in the latest drafts (20): a fresh draft with it
    /// means the job may still be publishing, which is not yet a "no".
    public func findPost(idempotencyKey: String) async throws(ConnectorError) -> PublishedPost? {
        let marker = WeChatArticle.marker(for: idempotencyKey)
        for offset in [0, 20] {
            let page = try await read(
                "cgi-bin/freepublish/batchget", WeChatListRequest(offset: offset, count: 20), as: WeChatPublishedList.self)
            let items = page.item ?? []
            if let item = items.first(where: { $0.content.newsItem.contains { WeChatArticle.carries($0.contentSourceUrl, marker: marker) } }) {
                let news = item.content.newsItem.first { WeChatArticle.carries($0.contentSourceUrl, marker: marker) }
                return PublishedPost(
                    remoteID: item.articleId.value, url: news?.url ?? "",
                    publishedAt: item.updateTime.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? clock())
            }
            if items.count < 20 { break }
        }
        let drafts = try await read("cgi-bin/draft/batchget", WeChatListRequest(offset: 0, count: 20), as: WeChatDraftList.self)
        let now = clock()
        if let draft = drafts.item?.first(where: { $0.content.newsItem.contains { WeChatArticle.carries($0.contentSourceUrl, marker: marker) } }),
            let saved = draft.updateTime, now.timeIntervalSince1970 - TimeInterval(saved) < Self.draftPatience
        {
            throw .outcomeUnknown(reason: "WeChat holds a fresh draft of this post that may still be publishing; Fanfare will look again")
        }
        return nil
    }

    /// How long a draft counts as possibly publishing. Jobs end within
    /// minutes; an older draft is one whose publishing never started or
    /// failed, and sending again is safe.
    static let draftPatience: TimeInterval = 30 * 60

    /// A POST that only reads: a lost answer is a passing fault.
    func read<Body: Encodable, Answer: Decodable>(_ path: String, _ body: Body, as answer: Answer.Type) async throws(ConnectorError) -> Answer {
        try await repeatable { () async throws(ConnectorError) -> Answer in try await api.post(path, token: token, body, as: answer, now: clock()) }
    }

    /// A call that is safe to repeat: its lost answer is a passing fault.
    func repeatable<Answer>(_ call: () async throws(ConnectorError) -> Answer) async throws(ConnectorError) -> Answer {
        do {
            return try await call()
        } catch .outcomeUnknown(let reason) {
            throw .temporary(reason: reason)
        }
    }

    /// Deletes the whole published post (`freepublish/delete` without an
    /// index); Fanfare publishes one article per post.
    public func delete(remoteID: String) async throws(ConnectorError) {
        _ = try await api.post("cgi-bin/freepublish/delete", token: token, WeChatArticleID(articleId: remoteID), as: WeChatEmpty.self, now: clock())
    }

    /// WeChat pushes messages and events to the server (see
    /// `verifyWebhook`); there is nothing to pull.
    public func interactions(since cursor: String?, limit: Int) async throws(ConnectorError) -> InteractionPage {
        InteractionPage(interactions: [], nextCursor: cursor ?? "")
    }

    /// A customer-service text message (客服消息, `message/custom/send`) to
    /// the fan who wrote `interactionID`. WeChat takes them only within 48
    /// hours of the fan's latest message, 5 per message (the server checks
    /// `WeChatServiceWindow` before queueing one; WeChat's 45015 and 45047
    /// say the same if it is asked anyway).
    ///
    /// The call takes no idempotency key and answers with no message id: a
    /// message is sent once because the reply is recorded before the job
    /// sends it and a sent reply is never sent again; an answer that never
    /// came is an unknown outcome a person checks, never re-sent blindly.
    /// An expired or replaced token is renewed once and the message sent
    /// with the new one (WeChat refused the first call, so nothing went out).
    public func reply(to interactionID: String, text: String, idempotencyKey: String) async throws(ConnectorError) -> String {
        guard let openID = Self.fan(of: interactionID) else {
            throw .rejected(
                reason:
                    "This WeChat message was stored before Fanfare could answer WeChat messages and does not name the fan; answer it in the WeChat backend"
            )
        }
        let message = WeChatCustomText(touser: openID, text: .init(content: text))
        _ = try await withFreshToken { token async throws(ConnectorError) in
            try await api.post(
                "cgi-bin/message/custom/send", token: token, message, as: WeChatEmpty.self, now: clock(), delivers: true,
                errors: Self.customMessageError)
        }
        // WeChat gives customer-service messages no id.
        return ""
    }

    /// A template message (模板消息, `message/template/send`) to the fan who
    /// wrote `interactionID`: allowed outside the 48-hour window, for the
    /// templates the account chose in the WeChat backend. The reply's id
    /// goes as `client_msg_id`, which WeChat uses to send a message once
    /// per fan within 10 minutes.
    public func sendTemplate(
        _ message: TemplateMessage, replyingTo interactionID: String, idempotencyKey: String
    ) async throws(ConnectorError)
        -> String
    {
        guard let openID = Self.fan(of: interactionID) else {
            throw .rejected(
                reason:
                    "This WeChat message was stored before Fanfare could answer WeChat messages and does not name the fan; send the template message in the WeChat backend"
            )
        }
        let body = WeChatTemplateSend(
            touser: openID, templateId: message.templateID, url: message.url, clientMsgId: String(idempotencyKey.prefix(64)),
            data: Dictionary(message.fields.map { ($0.key, WeChatTemplateSend.Value(value: $0.value)) }, uniquingKeysWith: { _, last in last }))
        let sent = try await withFreshToken { token async throws(ConnectorError) in
            try await api.post(
                "cgi-bin/message/template/send", token: token, body, as: WeChatTemplateSent.self, now: clock(), delivers: true,
                errors: Self.templateMessageError)
        }
        return sent.msgid.map { $0.value } ?? ""
    }

    /// Runs `call` with the account's token; when WeChat says the token is
    /// expired or no longer the latest (40001, 42001 …), fetches the
    /// current stable token once and runs it again.
    func withFreshToken<Answer>(_ call: (String) async throws(ConnectorError) -> Answer) async throws(ConnectorError) -> Answer {
        do {
            return try await call(token)
        } catch .expiredCredentials {
            guard let secret = credentials.secrets[WeChatKind.Key.appSecret], !secret.isEmpty else { throw .expiredCredentials }
            let fresh = try await WeChatKind.stableToken(api: api, appID: appID, secret: secret, now: clock())
            return try await call(fresh.accessToken)
        }
    }

    /// What the errcodes of `message/custom/send` mean for the message
    /// (the global meanings, `WeChatAPI.error`, for the rest). Sources:
    /// developers.weixin.qq.com/doc/service/api/customer/message/api_sendcustommessage
    /// and the global return codes (全局返回码).
    @Sendable static func customMessageError(_ errcode: Int, _ errmsg: String) -> ConnectorError? {
        let said = "errcode \(errcode)\(errmsg.isEmpty ? "" : ": \(errmsg)")"
        switch errcode {
        case 45015:
            return .rejected(
                reason:
                    "WeChat refused the message: more than 48 hours have passed since the fan's latest message, or the fan unfollowed the account (\(said)); send a template message instead, or answer when the fan writes again"
            )
        case 45047:
            return .rejected(
                reason:
                    "WeChat refused the message: the 5 customer-service messages allowed after the fan's latest message have been sent (\(said)); answer when the fan writes again"
            )
        case 40003:
            return .rejected(reason: "WeChat does not know this fan on this account (invalid OpenID, \(said))")
        case 43004:
            return .rejected(reason: "The fan no longer follows the account, so WeChat does not deliver the message (\(said))")
        case 43019:
            return .rejected(reason: "The fan is on the account's blacklist in the WeChat backend (\(said)); remove them there to write to them")
        case 45002:
            return .rejected(reason: "WeChat says the message is too long (\(said)); shorten it")
        case 48001:
            return .rejected(
                reason: "This account may not send customer-service messages (\(said)); WeChat grants the 客服消息 interface to verified accounts")
        default:
            return nil
        }
    }

    /// What the errcodes of `message/template/send` mean for the message.
    /// Source: developers.weixin.qq.com/doc/service/api/notify/template/api_sendtemplatemessage.
    @Sendable static func templateMessageError(_ errcode: Int, _ errmsg: String) -> ConnectorError? {
        let said = "errcode \(errcode)\(errmsg.isEmpty ? "" : ": \(errmsg)")"
        switch errcode {
        case 40037:
            return .rejected(
                reason: "WeChat does not know this template ID (\(said)); check it under 模板消息 → 我的模板 in the WeChat backend and correct it in Fanfare")
        case 47003:
            // WeChat names the field: "argument invalid! data.thing2.value invalid".
            let field = errmsg.firstMatch(of: #/data\.([A-Za-z_0-9]+)\.value/#).map { " \($0.1)" } ?? ""
            return .rejected(reason: "WeChat refused the value of the field\(field) (\(said)); keep it to what that field's type allows")
        case 43101:
            return .rejected(reason: "The fan has turned off this account's template messages (\(said))")
        case 43004:
            return .rejected(reason: "The fan no longer follows the account, so WeChat does not deliver the message (\(said))")
        case 40003:
            return .rejected(reason: "WeChat does not know this fan on this account (invalid OpenID, \(said))")
        case 45009, 45047:
            return nil
        case 48001:
            return .rejected(reason: "This account may not send template messages (\(said)); WeChat grants them to verified service accounts")
        default:
            return nil
        }
    }

    public func metrics(of remoteID: String) async throws(ConnectorError) -> PostMetrics {
        // datacube/getarticletotal counts mass-sent (群发) articles by send
        // date and message id; articles from the publishing API are not
        // mass-sent and have no entry there.
        throw .notSupported(
            "WeChat's statistics API covers only mass-sent articles, not articles published through the publishing API; see reads and shares in the WeChat backend"
        )
    }

    public func accountStats() async throws(ConnectorError) -> AccountStats {
        let followers = try await api.get("cgi-bin/user/get", token: token, as: WeChatFollowers.self, now: clock())
        let published = try await read("cgi-bin/freepublish/batchget", WeChatListRequest(offset: 0, count: 1), as: WeChatPublishedList.self)
        return AccountStats(
            followers: followers.total, posts: published.totalCount ?? 0, at: clock(),
            platformValues: PlatformValues.of([("total", followers.total), ("total_count", published.totalCount)]))
    }

    /// A new stable access token (`/cgi-bin/stable_token`, without forcing a
    /// new one, so other holders of the current token are not cut off).
    public func refreshCredentials(_ credentials: ConnectorCredentials, now: Date) async throws(ConnectorError) -> ConnectorCredentials {
        guard let secret = credentials.secrets[WeChatKind.Key.appSecret], !secret.isEmpty else { throw .expiredCredentials }
        return try await WeChatKind.stableToken(api: api, appID: appID, secret: secret, now: now)
    }

    /// Plain mode: `signature = sha1(sort(token, timestamp, nonce))`. Safe
    /// mode (`msg_signature` in the query): the same over the ciphertext
    /// too. Both need the timestamp within five minutes of `now`.
    public func verifyWebhook(_ call: WebhookCall, now: Date) -> Bool {
        guard let serverToken = credentials.secrets[WeChatKind.Key.serverToken], !serverToken.isEmpty,
            let timestamp = call.query["timestamp"], let nonce = call.query["nonce"], let seconds = TimeInterval(timestamp),
            abs(now.timeIntervalSince1970 - seconds) <= 300
        else { return false }
        if let given = call.query["msg_signature"] {
            guard let encrypted = WeChatPush.encryptedPart(of: call.body) else { return false }
            let expected = WeChatMessageCrypto.signature(token: serverToken, timestamp: timestamp, nonce: nonce, encrypted: encrypted)
            return HexSignature.matches(expected, given)
        }
        guard let given = call.query["signature"] else { return false }
        return HexSignature.matches(WeChatSignature.sha1(sorted: [serverToken, timestamp, nonce]), given)
    }

    /// The message of a verified push: the body as is in plain mode, the
    /// decrypted `Encrypt` element in safe mode.
    public func openPush(_ call: WebhookCall) throws(ConnectorError) -> String {
        guard call.query["msg_signature"] != nil else { return String(decoding: call.body, as: UTF8.self) }
        guard let key = credentials.secrets[WeChatKind.Key.encodingAESKey], !key.isEmpty else {
            throw .rejected(reason: "This push is encrypted (safe mode) but the account has no EncodingAESKey; reconnect it with the key")
        }
        guard let encrypted = WeChatPush.encryptedPart(of: call.body) else { throw .rejected(reason: "The push has no Encrypt element") }
        do {
            return try WeChatMessageCrypto(encodingAESKey: key, appID: appID).decrypt(encrypted)
        } catch .wrongAppID(let other) {
            throw .rejected(reason: "The push was encrypted for AppID \(other), not this account's \(appID)")
        } catch {
            throw .rejected(reason: "The push could not be decrypted with this account's EncodingAESKey; check the key set on the platform.")
        }
    }
}

/// Reading a push body without an XML parser: only `Encrypt` is needed,
/// in the XML form WeChat sends or the JSON form it offers.
extension WeChatConnector {
    /// A fan's text message pushed by WeChat (plain or safe mode). Events
    /// (follow, menu clicks) and other message types carry no text to
    /// answer and give nothing.
    public func interactions(inPush call: WebhookCall) throws(ConnectorError) -> [Interaction] {
        let xml = try openPush(call)
        guard WeChatPush.field("MsgType", in: xml) == "text", let id = WeChatPush.field("MsgId", in: xml),
            let from = WeChatPush.field("FromUserName", in: xml), let text = WeChatPush.field("Content", in: xml)
        else { return [] }
        let at = WeChatPush.field("CreateTime", in: xml).flatMap(TimeInterval.init).map { Date(timeIntervalSince1970: $0) } ?? Date()
        return [
            Interaction(
                remoteID: Self.messageID(fan: from, msgID: id), kind: .directMessage, postRemoteID: nil, authorID: from, authorName: from, text: text,
                at: at)
        ]
    }

    /// A fan's message as Fanfare names it: `dm:<OpenID>:<MsgId>`. WeChat's
    /// MsgId alone is unique but does not say whom to answer; the reply
    /// (`message/custom/send`) needs the fan's OpenID, so it travels in the
    /// id the inbox hands back (as Weibo's comment ids carry their post).
    public static func messageID(fan openID: String, msgID: String) -> String { "dm:\(openID):\(msgID)" }

    /// The OpenID in a message id made by `messageID`; nil for anything else.
    public static func fan(of interactionID: String) -> String? {
        let parts = interactionID.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "dm", !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        return String(parts[1])
    }

    /// WeChat's nonce with its timestamp: a replayed push repeats both.
    public func pushID(of call: WebhookCall) -> String? {
        guard let nonce = call.query["nonce"], let timestamp = call.query["timestamp"] else { return nil }
        return "\(timestamp):\(nonce)"
    }
}

enum WeChatPush {
    /// One element of a push's XML, with or without CDATA.
    static func field(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"), let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else {
            return nil
        }
        var value = xml[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        if value.hasPrefix("<![CDATA["), value.hasSuffix("]]>") { value = String(value.dropFirst(9).dropLast(3)) }
        return value
    }

    static func encryptedPart(of body: Data) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        if let match = text.firstMatch(of: #/<Encrypt>\s*(?:<!\[CDATA\[(.*?)\]\]>|([^<]*))\s*</Encrypt>/#) {
            return String(match.output.1 ?? match.output.2 ?? "")
        }
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let encrypted = object["Encrypt"] as? String {
            return encrypted
        }
        return nil
    }
}
