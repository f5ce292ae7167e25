import FanfareConnectors
import FanfareCore
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// A mail server on 127.0.0.1 speaking just enough ESMTP for the client:
/// it records every command and message and answers from a script.
final class SMTPStub: Sendable {
    let port: Int
    private let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let recorded = Mutex<(commands: [String], messages: [String])>(([], []))
    var commands: [String] { recorded.withLock { $0.commands } }
    var messages: [String] { recorded.withLock { $0.messages } }

    struct Script: Sendable {
        var greet = true
        var offerStartTLS = false
        var auth = "PLAIN LOGIN"
        var user = "robot"
        var password = "pa55 word"
        var refuseRecipient = "nobody@example.com"
    }

    private init(port: Int, server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>) {
        self.port = port
        self.server = server
    }

    static func start(_ script: Script = Script()) async throws -> SMTPStub {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child) }
            }
        let stub = SMTPStub(port: server.channel.localAddress!.port!, server: server)
        Task {
            try? await server.executeThenClose { inbound in
                for try await connection in inbound {
                    Task { try? await stub.serve(connection, script) }
                }
            }
        }
        return stub
    }

    func shutdown() async {
        try? await server.channel.close()
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, _ script: Script) async throws {
        try await connection.executeThenClose { inbound, outbound in
            func say(_ text: String) async throws { try await outbound.write(ByteBuffer(string: text + "\r\n")) }
            guard script.greet else {
                for try await _ in inbound {}
                return
            }
            try await say("220 stub.example ESMTP")
            var pending = ""
            var data: String?
            var login = 0
            for try await var buffer in inbound {
                pending += buffer.readString(length: buffer.readableBytes) ?? ""
                while let end = pending.range(of: "\r\n") {
                    let line = String(pending[..<end.lowerBound])
                    pending.removeSubrange(..<end.upperBound)
                    if var message = data {
                        if line == "." {
                            recorded.withLock { $0.messages.append(message) }
                            data = nil
                            try await say("250 2.0.0 queued")
                        } else {
                            message += line + "\r\n"
                            data = message
                        }
                        continue
                    }
                    recorded.withLock { $0.commands.append(line) }
                    let verb = line.split(separator: " ").first.map { $0.uppercased() } ?? ""
                    if login == 1 {
                        login = Data(base64Encoded: line).map { String(decoding: $0, as: UTF8.self) } == script.user ? 2 : -1
                        try await say("334 UGFzc3dvcmQ6")
                        continue
                    }
                    if login == 2 || login == -1 {
                        let ok = login == 2 && Data(base64Encoded: line).map { String(decoding: $0, as: UTF8.self) } == script.password
                        login = 0
                        try await say(ok ? "235 2.7.0 ok" : "535 5.7.8 authentication failed")
                        continue
                    }
                    switch verb {
                    case "EHLO":
                        try await say("250-stub.example")
                        if script.offerStartTLS { try await say("250-STARTTLS") }
                        try await say("250-AUTH \(script.auth)")
                        try await say("250 8BITMIME")
                    case "AUTH":
                        let parts = line.split(separator: " ")
                        if parts.count == 3, parts[1].uppercased() == "PLAIN" {
                            let decoded = Data(base64Encoded: String(parts[2])).map { String(decoding: $0, as: UTF8.self) }
                            try await say(decoded == "\0\(script.user)\0\(script.password)" ? "235 2.7.0 ok" : "535 5.7.8 authentication failed")
                        } else {
                            login = 1
                            try await say("334 VXNlcm5hbWU6")
                        }
                    case "MAIL": try await say("250 ok")
                    case "RCPT": try await say(line.contains(script.refuseRecipient) ? "550 5.1.1 no such user" : "250 ok")
                    case "DATA":
                        data = ""
                        try await say("354 go ahead")
                    case "QUIT":
                        try await say("221 bye")
                        return
                    default: try await say("502 5.5.2 not implemented")
                    }
                }
            }
        }
    }
}

/// The email channel's SMTP client against a loopback stub (no real
/// server): the conversation, sign-in, refusals, the address decisions,
/// and the message's encoding.
@Suite struct SMTPClientTests {
    struct Answers: HostResolver {
        let answers: [IPAddress]
        func addresses(of host: String, timeout: TimeInterval) async throws -> [IPAddress] { answers }
    }

    static let loopbackPolicy = OutboundAddressPolicy(allowing: [IPRange(network: IPAddress("127.0.0.1")!, prefixLength: 32)])
    static let mail = SMTPMail(
        from: "alerts@brand.example", to: ["ops@brand.example", "pr@brand.example"], subject: "【红色】舆情预警", body: "星巴克\n.leading dot")

    /// A generous limit: the whole test suite shares two cores, and only
    /// the timeout test is about the limit.
    func client(_ resolver: any HostResolver = Answers(answers: [])) -> SMTPClient {
        var client = SMTPClient(policy: Self.loopbackPolicy, resolver: resolver)
        client.timeout = 600
        client.connectTimeout = 120
        return client
    }

    @Test func aMessageIsSentWithPlainSignInToALoopbackRelay() async throws {
        let stub = try await SMTPStub.start()
        defer { Task { await stub.shutdown() } }
        let server = SMTPServer(host: "127.0.0.1", port: stub.port, security: .plain, username: "robot", password: "pa55 word")
        try await client().send(Self.mail, via: server)
        let commands = stub.commands
        #expect(commands.first == "EHLO fanfare.localhost")
        #expect(commands.contains { $0.hasPrefix("AUTH PLAIN ") })
        #expect(
            Array(commands.drop { !$0.hasPrefix("MAIL") }) == [
                "MAIL FROM:<alerts@brand.example>", "RCPT TO:<ops@brand.example>", "RCPT TO:<pr@brand.example>", "DATA", "QUIT",
            ])
        let message = try #require(stub.messages.first)
        #expect(message.contains("Subject: =?UTF-8?B?\(Data("【红色】舆情预警".utf8).base64EncodedString())?="))
        #expect(message.contains("Content-Type: text/plain; charset=UTF-8") && message.contains("Content-Transfer-Encoding: base64"))
        let body = try #require(message.components(separatedBy: "\r\n\r\n").last)
        let decoded = Data(base64Encoded: body.replacingOccurrences(of: "\r\n", with: ""))
        #expect(decoded.map { String(decoding: $0, as: UTF8.self) } == "星巴克\r\n.leading dot")
    }

    @Test func loginIsUsedWhenPlainIsNotOfferedAndAWrongPasswordIsARefusal() async throws {
        var script = SMTPStub.Script()
        script.auth = "LOGIN"
        let stub = try await SMTPStub.start(script)
        defer { Task { await stub.shutdown() } }
        var server = SMTPServer(host: "127.0.0.1", port: stub.port, security: .plain, username: "robot", password: "pa55 word")
        try await client().send(Self.mail, via: server)
        #expect(stub.commands.contains("AUTH LOGIN") && stub.messages.count == 1)
        server.password = "wrong"
        await #expect(throws: ConnectorError.self) { try await client().send(Self.mail, via: server) }
        #expect(stub.messages.count == 1, "nothing sent after a refused sign-in")
        do {
            try await client().send(Self.mail, via: server)
        } catch {
            guard case .rejected(let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("535") && !reason.contains("wrong"))
        }
    }

    @Test func aRefusedRecipientStopsBeforeData() async throws {
        let stub = try await SMTPStub.start()
        defer { Task { await stub.shutdown() } }
        let server = SMTPServer(host: "127.0.0.1", port: stub.port, security: .plain)
        var mail = Self.mail
        mail.to = ["nobody@example.com"]
        do {
            try await client().send(mail, via: server)
            Issue.record("sent to a refused recipient")
        } catch {
            guard case .rejected(let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("550"))
        }
        #expect(!stub.commands.contains("DATA") && stub.messages.isEmpty)
    }

    @Test func startTLSIsRequiredAndNothingIsSentWithoutIt() async throws {
        let stub = try await SMTPStub.start()
        defer { Task { await stub.shutdown() } }
        let server = SMTPServer(host: "127.0.0.1", port: stub.port, security: .starttls, username: "robot", password: "pa55 word")
        do {
            try await client().send(Self.mail, via: server)
            Issue.record("sent without STARTTLS")
        } catch {
            guard case .rejected(let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("STARTTLS"))
        }
        #expect(stub.commands == ["EHLO fanfare.localhost"], "no sign-in, no password on a plain connection")
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        var script = SMTPStub.Script()
        script.greet = false
        let stub = try await SMTPStub.start(script)
        defer { Task { await stub.shutdown() } }
        var client = client()
        client.timeout = 0.5
        do {
            try await client.send(Self.mail, via: SMTPServer(host: "127.0.0.1", port: stub.port, security: .plain))
            Issue.record("no timeout")
        } catch {
            guard case .temporary = error else { Issue.record("\(error)"); return }
        }
    }

    @Test func addressesAreDecidedByTheGuardsPolicy() async throws {
        let policy = OutboundAddressPolicy(allowing: [])
        let private10 = IPAddress("10.0.0.1")!
        let public93 = IPAddress("93.184.216.34")!
        #expect(SMTPClient.destination(host: "10.0.0.1", security: .starttls, policy: policy, answers: nil) == nil)
        #expect(SMTPClient.destination(host: "localhost", security: .tls, policy: policy, answers: nil) == nil)
        #expect(SMTPClient.destination(host: "smtp.example", security: .starttls, policy: policy, answers: [private10]) == nil)
        #expect(SMTPClient.destination(host: "smtp.example", security: .starttls, policy: policy, answers: [private10, public93]) == public93)
        #expect(SMTPClient.destination(host: "smtp.example", security: .plain, policy: policy, answers: [public93]) == nil, "plain only to loopback")
        #expect(SMTPClient.destination(host: "127.0.0.1", security: .plain, policy: Self.loopbackPolicy, answers: nil) == IPAddress("127.0.0.1"))
        #expect(SMTPClient.destination(host: "127.0.0.1", security: .plain, policy: policy, answers: nil) == nil, "loopback only when allowed")
        // Refused before any connection: the sentence does not say why.
        await #expect(throws: ConnectorError.self) {
            try await SMTPClient(policy: policy, resolver: Answers(answers: [private10])).send(
                Self.mail, via: SMTPServer(host: "smtp.example", port: 25, security: .starttls))
        }
    }

    @Test func subjectsAndDotsAreEncoded() {
        #expect(SMTPMail.encodedWord("Alert") == "Alert")
        let long = String(repeating: "舆情", count: 20)
        let words = SMTPMail.encodedWord(long).components(separatedBy: "\r\n ")
        #expect(words.count > 1 && words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?B?") })
        let joined = words.map { Data(base64Encoded: String($0.dropFirst(10).dropLast(2)))! }.map { String(decoding: $0, as: UTF8.self) }.joined()
        #expect(joined == long)
        #expect(SMTPMail.encodedWord("a\r\nBcc: x") == "a  Bcc: x", "no header injection")
        #expect(SMTPMail.dotStuffed(".a\r\nb\r\n..c") == "..a\r\nb\r\n...c")
        #expect(SMTPMail.isAddress("ops@brand.example") && !SMTPMail.isAddress("a b@x.example") && !SMTPMail.isAddress("<a@x.example>"))
        #expect(!SMTPMail.isAddress("a@x.example\r\nRCPT TO:<b@y.example>"))
    }
}
