import FanfareConnectors
import FanfareCore
import FanfareTestStubs
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import Testing

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

    /// The stub's name answered with loopback, and only its certificate trusted.
    func tlsClient() throws -> SMTPClient {
        var client = client(Answers(answers: [IPAddress("127.0.0.1")!]))
        client.tlsConfiguration = try SMTPStub.trustingStub()
        return client
    }

    @Test func startTLSEncryptsTheSignInAndTheMessage() async throws {
        var script = SMTPStub.Script()
        script.offerStartTLS = true
        let stub = try await SMTPStub.start(script)
        defer { Task { await stub.shutdown() } }
        let server = SMTPServer(host: SMTPStub.hostName, port: stub.port, security: .starttls, username: "robot", password: "pa55 word")
        try await tlsClient().send(Self.mail, via: server)
        #expect(stub.commands.prefix(3) == ["EHLO fanfare.localhost", "STARTTLS", "EHLO fanfare.localhost"])
        #expect(stub.encrypted.prefix(3) == [false, false, true], "EHLO is said again inside TLS")
        let signIn = try #require(stub.commands.firstIndex { $0.hasPrefix("AUTH PLAIN ") })
        #expect(stub.encrypted[signIn...].allSatisfy { $0 }, "the password and the message only inside TLS")
        #expect(stub.messages.count == 1)
    }

    @Test func implicitTLSIsEncryptedFromTheFirstByte() async throws {
        var script = SMTPStub.Script()
        script.implicitTLS = true
        let stub = try await SMTPStub.start(script)
        defer { Task { await stub.shutdown() } }
        let server = SMTPServer(host: SMTPStub.hostName, port: stub.port, security: .tls, username: "robot", password: "pa55 word")
        try await tlsClient().send(Self.mail, via: server)
        #expect(stub.encrypted.allSatisfy { $0 } && stub.commands.first == "EHLO fanfare.localhost" && stub.messages.count == 1)
    }

    @Test(arguments: [SMTPServer.Security.starttls, .tls])
    func anUntrustedCertificateSendsNothing(_ security: SMTPServer.Security) async throws {
        var script = SMTPStub.Script()
        script.offerStartTLS = security == .starttls
        script.implicitTLS = security == .tls
        let stub = try await SMTPStub.start(script)
        defer { Task { await stub.shutdown() } }
        // The system's trust roots: the stub's self-made certificate is not among them.
        let client = client(Answers(answers: [IPAddress("127.0.0.1")!]))
        let server = SMTPServer(host: SMTPStub.hostName, port: stub.port, security: security, username: "robot", password: "pa55 word")
        do {
            try await client.send(Self.mail, via: server)
            Issue.record("sent over a connection whose certificate is not trusted")
        } catch {
            guard case .rejected(let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("certificate") && reason.contains(SMTPStub.hostName), "\(reason)")
        }
        #expect(!stub.commands.contains { $0.hasPrefix("AUTH") } && stub.messages.isEmpty, "no password, no message")
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
