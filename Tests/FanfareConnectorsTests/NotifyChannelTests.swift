import FanfareConnectors
import FanfareCore
import Foundation
import Testing

/// The notification robots and the generic webhook (issue 20, scope 3):
/// each request as its platform documents it, signatures checked against
/// vectors computed independently (Python's hmac, see the commit), answers
/// read into delivered / retry later / refused.
@Suite struct NotifyChannelTests {
    let now = Date(timeIntervalSince1970: 1_772_700_000)
    static let secret = "SECtest-secret-1234"
    let message = NotifyMessage(
        event: "alert.raised", title: "【橙色预警】星巴克", lines: ["15 分钟内 120 条提及（平常 20 条）", "负面占比 45%"],
        link: URL(string: "https://fanfare.example.com/w/demo/alerts/1"), facts: ["grade": "orange"])

    func channel(_ kind: NotifyChannelKind, _ server: StubServer, path: String, secret: String? = secret) -> NotifyChannel {
        NotifyChannel(kind: kind, address: URL(string: server.baseURL.absoluteString + path)!, secret: secret)
    }

    @Test func signaturesMatchIndependentVectors() {
        #expect(NotifyChannel.dingTalkSign(timestamp: "1772700000000", secret: Self.secret) == "GUOLTPe+xgbS6jyfrORXPDS/6FvqsxNmr3W7DgQgLGI=")
        #expect(NotifyChannel.feishuSign(timestamp: "1772700000", secret: Self.secret) == "TcznTmIPmoAoMrFVBdluySuA2GlLNDIrHzCuDfqIza8=")
    }

    @Test func dingTalkSignsTheAddressAndSendsMarkdown() async throws {
        try await StubServer.run({ _ in .json(["errcode": 0, "errmsg": "ok"]) }) { server in
            try await channel(.dingtalkRobot, server, path: "/robot/send?access_token=abc").send(
                message, id: "d-1", now: now, transport: StubTransport())
            let received = try #require(server.requests.first)
            #expect(received.path == "/robot/send")
            #expect(received.query["access_token"] == "abc" && received.query["timestamp"] == "1772700000000")
            #expect(received.query["sign"] == "GUOLTPe+xgbS6jyfrORXPDS/6FvqsxNmr3W7DgQgLGI=")
            let markdown = try #require(received.json?["markdown"] as? [String: Any])
            #expect(received.json?["msgtype"] as? String == "markdown")
            #expect(markdown["title"] as? String == "【橙色预警】星巴克")
            #expect((markdown["text"] as? String)?.contains("负面占比 45%") == true)
        }
    }

    @Test func feishuSignsTheBody() async throws {
        try await StubServer.run({ _ in .json(["code": 0, "msg": "success", "data": [:]]) }) { server in
            try await channel(.feishuBot, server, path: "/open-apis/bot/v2/hook/t0k").send(message, id: "f-1", now: now, transport: StubTransport())
            let json = try #require(server.requests.first?.json)
            #expect(json["timestamp"] as? String == "1772700000")
            #expect(json["sign"] as? String == "TcznTmIPmoAoMrFVBdluySuA2GlLNDIrHzCuDfqIza8=")
            #expect(json["msg_type"] as? String == "text")
            #expect(((json["content"] as? [String: Any])?["text"] as? String)?.hasPrefix("【橙色预警】星巴克\n") == true)
        }
    }

    @Test func weComSendsMarkdownWithinItsLimit() async throws {
        let long = NotifyMessage(event: "alert.raised", title: "标题", lines: Array(repeating: "很长的一行提及内容", count: 400))
        try await StubServer.run({ _ in .json(["errcode": 0, "errmsg": "ok"]) }) { server in
            try await channel(.wecomRobot, server, path: "/cgi-bin/webhook/send?key=k", secret: nil).send(
                long, id: "w-1", now: now, transport: StubTransport())
            let content = try #require((server.requests.first?.json?["markdown"] as? [String: Any])?["content"] as? String)
            #expect(content.utf8.count <= 4_096 && content.hasSuffix("…"))
        }
    }

    @Test func webhookIsSignedAsStandardWebhooks() async throws {
        let secret = StandardWebhooks.generateSecret()
        try await StubServer.run({ _ in .text("", status: 204) }) { server in
            try await channel(.webhook, server, path: "/hooks/alerts", secret: secret).send(
                message, id: "delivery-7", now: now, transport: StubTransport())
            let received = try #require(server.requests.first)
            #expect(received.headers["webhook-id"] == "delivery-7")
            let key = try #require(StandardWebhooks.key(fromSecret: secret))
            #expect(StandardWebhooks.verify(headers: received.headers, body: received.body, key: key, now: now))
            #expect(received.json?["type"] as? String == "alert.raised")
            #expect(((received.json?["data"] as? [String: Any])?["facts"] as? [String: String])?["grade"] == "orange")
        }
    }

    @Test func answersAreReadAsDeliveredRetryOrRefused() {
        let robot = NotifyChannel(kind: .dingtalkRobot, address: URL(string: "https://oapi.dingtalk.com/robot/send?access_token=a")!, secret: "s")
        func answer(_ object: [String: Any], status: Int = 200) -> HTTPResponseData {
            HTTPResponseData(status: status, body: (try? JSONSerialization.data(withJSONObject: object)) ?? Data())
        }
        #expect(robot.failure(of: answer(["errcode": 0, "errmsg": "ok"])) == nil)
        #expect(robot.failure(of: answer(["errcode": 130101, "errmsg": "send too fast"])) == .rateLimited(retryAfter: 60))
        #expect(robot.failure(of: answer(["errcode": 310000, "errmsg": "sign not match"])) == .rejected(reason: "310000 sign not match"))
        #expect(robot.failure(of: HTTPResponseData(status: 502)) == .temporary(reason: "HTTP 502"))
        #expect(robot.failure(of: HTTPResponseData(status: 200, body: Data("<html>".utf8))) == .rejected(reason: "unreadable answer"))
        let feishu = NotifyChannel(kind: .feishuBot, address: URL(string: "https://open.feishu.cn/open-apis/bot/v2/hook/x")!, secret: "s")
        #expect(feishu.failure(of: answer(["code": 19021, "msg": "sign match fail"])) == .rejected(reason: "19021 sign match fail"))
        #expect(feishu.failure(of: answer(["StatusCode": 0, "StatusMessage": "success"])) == nil)
        let webhook = NotifyChannel(kind: .webhook, address: URL(string: "https://example.com/h")!, secret: nil)
        #expect(webhook.failure(of: HTTPResponseData(status: 429, headers: ["Retry-After": "5"])) == .rateLimited(retryAfter: 5))
        #expect(webhook.failure(of: HTTPResponseData(status: 410)) == .rejected(reason: "HTTP 410"))
    }

    @Test func channelsAreCheckedFieldByField() throws {
        func codes(_ kind: NotifyChannelKind, _ address: String, _ secret: String?) -> [String: MessageCode] {
            do {
                _ = try NotifyChannel.checked(kind: kind, address: address, secret: secret)
                return [:]
            } catch {
                return Dictionary(error.issues.map { ($0.field, $0.coded.code) }, uniquingKeysWith: { a, _ in a })
            }
        }
        #expect(codes(.dingtalkRobot, "https://oapi.dingtalk.com/robot/send?access_token=abc", "SECx") == [:])
        #expect(codes(.dingtalkRobot, "https://evil.example.com/robot/send?access_token=abc", "SECx") == ["address": .channelAddress])
        #expect(codes(.dingtalkRobot, "https://oapi.dingtalk.com/robot/send?access_token=abc", "") == ["secret": .required])
        #expect(codes(.feishuBot, "http://open.feishu.cn/open-apis/bot/v2/hook/x", nil) == ["address": .typeUrl, "secret": .required])
        #expect(codes(.wecomRobot, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=", nil) == ["address": .channelAddress])
        #expect(codes(.webhook, "https://hooks.example.com/fanfare", "whsec_???") == ["secret": .channelSecretWebhook])
        let made = try NotifyChannel.checked(kind: .webhook, address: "https://hooks.example.com/fanfare", secret: "")
        #expect(made.secret?.hasPrefix("whsec_") == true, "a webhook without a secret gets one made")
        let wecom = try NotifyChannel.checked(
            kind: .wecomRobot, address: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1", secret: "ignored")
        #expect(wecom.secret == nil)
        // http: refused, unless the server allows it for this address, and
        // for a webhook only (a robot's address is the platform's https one).
        #expect(codes(.webhook, "http://127.0.0.1:9000/hook", nil) == ["address": .typeUrl])
        let local = try NotifyChannel.checked(kind: .webhook, address: "http://127.0.0.1:9000/hook", secret: nil) { $0.host == "127.0.0.1" }
        #expect(local.address.absoluteString == "http://127.0.0.1:9000/hook")
        #expect(throws: ValidationErrors.self) {
            try NotifyChannel.checked(kind: .feishuBot, address: "http://open.feishu.cn/open-apis/bot/v2/hook/x", secret: "s") { _ in true }
        }
    }
}
