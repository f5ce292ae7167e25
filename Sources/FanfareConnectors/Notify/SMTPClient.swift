import FanfareCore
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A workspace's mail server for the email channel (issue 20, scope 3).
public struct SMTPServer: Sendable, Equatable {
    public enum Security: String, Sendable, Codable, CaseIterable {
        /// Plain connection upgraded with STARTTLS before anything else is
        /// said; a server that does not offer it is refused (port 587).
        case starttls
        /// TLS from the first byte (port 465).
        case tls
        /// No encryption: only for a relay on this machine's loopback.
        case plain
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?

    public init(host: String, port: Int, security: Security, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
    }
}

/// One message: UTF-8 subject and body, plain text.
public struct SMTPMail: Sendable, Equatable {
    public var from: String
    public var to: [String]
    public var subject: String
    public var body: String

    public init(from: String, to: [String], subject: String, body: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
    }

    /// The message as DATA carries it: headers, the subject as an RFC 2047
    /// encoded word, the body in base64 (lines of 76), CRLF line ends; not
    /// yet dot-stuffed.
    public func rendered(messageID: String, date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let body = Data(body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
            .base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let headers = [
            "From: <\(from)>", "To: \(to.map { "<\($0)>" }.joined(separator: ", "))", "Subject: \(Self.encodedWord(subject))",
            "Date: \(formatter.string(from: date))", "Message-ID: <\(messageID)>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: base64",
        ]
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n"
    }

    /// RFC 2047: ASCII without specials as is, anything else as
    /// `=?UTF-8?B?…?=` words of at most 75 characters, cut at characters.
    public static func encodedWord(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if clean.allSatisfy({ $0.isASCII && !$0.isNewline }), !clean.contains("=?") { return clean }
        var words: [String] = []
        var chunk = ""
        for character in clean {
            // 45 bytes of UTF-8 are 60 base64 characters: 72 with the wrapping.
            if (chunk + String(character)).utf8.count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    /// RFC 5321 §4.5.2: a line that starts with a dot gets another.
    public static func dotStuffed(_ data: String) -> String {
        data.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n")
    }

    /// A mailbox as MAIL FROM and RCPT TO accept it: one @, no spaces,
    /// angle brackets or control characters.
    public static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), text.count <= 254 else { return false }
        return !text.contains {
            $0.isWhitespace || "<>(),;:\"[]\\".contains($0) || !$0.isASCII && $0.isNewline || $0.asciiValue.map { $0 < 32 } ?? false
        }
    }
}

/// A small SMTP client on SwiftNIO: EHLO, STARTTLS, AUTH PLAIN or LOGIN,
/// MAIL FROM, RCPT TO, DATA (dot-stuffed), QUIT. The server's address is
/// decided by the same policy as the guarded HTTP client's
/// (`OutboundAddressPolicy`): looked up once, every answer checked, the
/// chosen address connected to (TLS still checks the name). `plain` is
/// refused unless that address is loopback. Every reply is awaited within
/// the exchange's time limit.
public struct SMTPClient: Sendable {
    public let policy: OutboundAddressPolicy
    public let resolver: any HostResolver
    public let eventLoopGroup: any EventLoopGroup
    public var connectTimeout: TimeInterval = 10
    /// The whole exchange, from connecting to QUIT.
    public var timeout: TimeInterval = 30
    /// The name this side gives in EHLO.
    public var helloName = "fanfare.localhost"
    /// Trust roots for TLS; the system's by default (tests pass none: they use `plain`).
    public var tlsConfiguration = TLSConfiguration.makeClientConfiguration()

    public init(
        policy: OutboundAddressPolicy, resolver: any HostResolver = SystemHostResolver(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.policy = policy
        self.resolver = resolver
        self.eventLoopGroup = eventLoopGroup
    }

    static let loopback = [IPRange(network: IPAddress("127.0.0.0")!, prefixLength: 8), IPRange(network: IPAddress("::1")!, prefixLength: 128)]

    /// Where the client would connect for `host`, or nil: the pure part,
    /// also used when the settings are saved. `plain` only to loopback.
    public static func destination(host: String, security: SMTPServer.Security, policy: OutboundAddressPolicy, answers: [IPAddress]?) -> IPAddress? {
        let chosen: IPAddress?
        switch policy.decide(host: host) {
        case .refused: chosen = nil
        case .connect(let address): chosen = address
        case .resolve: chosen = answers.flatMap(policy.choose(from:))
        }
        guard let chosen else { return nil }
        if security == .plain, !loopback.contains(where: { $0.contains(chosen) }) { return nil }
        return chosen
    }

    /// Sends `mail`; throws why not. Failures before DATA's end was sent
    /// are `.temporary` (4xx, no connection) or `.rejected` (5xx); a
    /// missing answer after it is `.outcomeUnknown`.
    public func send(_ mail: SMTPMail, via server: SMTPServer, now: Date = Date()) async throws(ConnectorError) {
        let unreachable = ConnectorError.temporary(reason: GuardedHTTPTransport.unreachable(server.host))
        var answers: [IPAddress]?
        if case .resolve(let name) = policy.decide(host: server.host) {
            answers = try? await resolver.addresses(of: name, timeout: min(connectTimeout, timeout))
        }
        guard let address = Self.destination(host: server.host, security: server.security, policy: policy, answers: answers) else {
            throw server.security == .plain && answers != nil
                ? .rejected(reason: "Mail without encryption is sent only to a relay on this machine (127.0.0.1); choose STARTTLS or TLS.")
                : unreachable
        }
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        let progress = DataProgress()
        do {
            let tls = server.security == .tls ? try NIOSSLContext(configuration: tlsConfiguration) : nil
            let hostname = server.host
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(.milliseconds(Int64(connectTimeout * 1_000)))
                .connect(to: try SocketAddress(ipAddress: address.description, port: server.port)) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: hostname))
                            try channel.pipeline.syncOperations.addHandler(TLSFailureRecorder(progress))
                        }
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw unreachable
        }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await channel.executeThenClose { inbound, outbound in
                        var session = Session(inbound: inbound.makeAsyncIterator(), outbound: outbound, channel: channel.channel)
                        try await self.converse(&session, mail: mail, server: server, now: now, progress: progress)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(Int64(self.timeout * 1_000)))
                    throw SMTPTimeout()
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch let error as ConnectorError where !progress.tlsFailed {
            try? await channel.channel.close()
            throw error
        } catch {
            try? await channel.channel.close()
            if progress.dataSent {
                throw .outcomeUnknown(reason: "\(server.host) did not confirm the mail; it may have been sent, so check before sending again.")
            }
            // A failed handshake closes the channel; whichever of our reads
            // or writes notices first may see only "closed", so the
            // recorder's word decides, not the error that reached us.
            if progress.tlsFailed || error is NIOSSLError || error is BoringSSLError {
                // Not worth retrying: a certificate for another name, one
                // no trusted authority signed, or no TLS in common. Said
                // before any password or message went out.
                throw .rejected(
                    reason:
                        "The encrypted connection with \(server.host) failed: its certificate is not trusted for that name, or it offers no TLS Fanfare accepts. Nothing was sent."
                )
            }
            throw error is SMTPTimeout ? .temporary(reason: "\(server.host) did not answer in time.") : unreachable
        }
    }

    private struct SMTPTimeout: Error {}

    /// Whether DATA's final dot went out (a failure after it may have sent
    /// the mail), and whether the TLS layer reported a failure. Written on
    /// the channel's event loop and read after the conversation ended.
    private final class DataProgress: @unchecked Sendable {
        private let lock = NSLock()
        private var _dataSent = false
        private var _tlsFailed = false
        var dataSent: Bool {
            get { lock.withLock { _dataSent } }
            set { lock.withLock { _dataSent = newValue } }
        }
        var tlsFailed: Bool {
            get { lock.withLock { _tlsFailed } }
            set { lock.withLock { _tlsFailed = newValue } }
        }
    }

    /// Sits right after the TLS handler and notes any TLS error passing
    /// inbound, then passes it on unchanged.
    private final class TLSFailureRecorder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        let progress: DataProgress
        init(_ progress: DataProgress) { self.progress = progress }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.fireChannelRead(data) }
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            if error is NIOSSLError || error is BoringSSLError { progress.tlsFailed = true }
            context.fireErrorCaught(error)
        }
    }

    private struct Session {
        var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        let channel: any Channel
        var pending = ""

        /// One reply (all its lines): its code and the last line's text.
        mutating func reply() async throws -> (code: Int, lines: [String]) {
            var lines: [String] = []
            while true {
                while let end = pending.range(of: "\r\n") {
                    let line = String(pending[..<end.lowerBound])
                    pending.removeSubrange(..<end.upperBound)
                    guard line.count >= 3, let code = Int(line.prefix(3)) else { throw ConnectorError.rejected(reason: "unreadable SMTP reply") }
                    lines.append(String(line.dropFirst(4)))
                    if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " { return (code, lines) }
                }
                guard pending.utf8.count < 64 * 1_024, var buffer = try await inbound.next() else {
                    throw ConnectorError.temporary(reason: "the mail server closed the connection")
                }
                pending += buffer.readString(length: buffer.readableBytes) ?? ""
            }
        }

        mutating func command(_ line: String, expect codes: Set<Int>, what: String) async throws -> [String] {
            try await outbound.write(ByteBuffer(string: line + "\r\n"))
            return try await expect(codes, what: what)
        }

        mutating func expect(_ codes: Set<Int>, what: String) async throws -> [String] {
            let (code, lines) = try await reply()
            guard codes.contains(code) else { throw SMTPClient.failure(code: code, text: lines.last ?? "", what: what) }
            return lines
        }
    }

    /// A reply code as the connector errors say it: 4xx passes, 5xx is a refusal.
    static func failure(code: Int, text: String, what: String) -> ConnectorError {
        let said = "the mail server answered \(what) with \(code) \(String(text.prefix(200)))"
        return (400..<500).contains(code) ? .temporary(reason: said) : .rejected(reason: said)
    }

    private func converse(_ session: inout Session, mail: SMTPMail, server: SMTPServer, now: Date, progress: DataProgress) async throws {
        _ = try await session.expect([220], what: "the greeting")
        var capabilities = try await session.command("EHLO \(helloName)", expect: [250], what: "EHLO").dropFirst().map { $0.uppercased() }
        if server.security == .starttls {
            guard capabilities.contains(where: { $0.hasPrefix("STARTTLS") }) else {
                throw ConnectorError.rejected(reason: "\(server.host) does not offer STARTTLS; nothing was sent (choose TLS, or another server).")
            }
            _ = try await session.command("STARTTLS", expect: [220], what: "STARTTLS")
            let context = try NIOSSLContext(configuration: tlsConfiguration)
            let hostname = server.host
            let channel = session.channel
            try await channel.eventLoop.submit {
                let handler = try NIOSSLClientHandler(context: context, serverHostname: hostname)
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
                try channel.pipeline.syncOperations.addHandler(TLSFailureRecorder(progress), position: .after(handler))
            }.get()
            session.pending = ""
            capabilities = try await session.command("EHLO \(helloName)", expect: [250], what: "EHLO").dropFirst().map { $0.uppercased() }
        }
        if let username = server.username, !username.isEmpty {
            let password = server.password ?? ""
            let auth = capabilities.first { $0.hasPrefix("AUTH") }.map { $0.split(whereSeparator: { $0 == " " || $0 == "=" }).map(String.init) } ?? []
            if auth.contains("PLAIN") {
                let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
                _ = try await session.command("AUTH PLAIN \(token)", expect: [235], what: "the sign-in")
            } else if auth.contains("LOGIN") {
                _ = try await session.command("AUTH LOGIN", expect: [334], what: "the sign-in")
                _ = try await session.command(Data(username.utf8).base64EncodedString(), expect: [334], what: "the user name")
                _ = try await session.command(Data(password.utf8).base64EncodedString(), expect: [235], what: "the sign-in")
            } else {
                throw ConnectorError.rejected(reason: "\(server.host) offers no sign-in Fanfare knows (PLAIN or LOGIN).")
            }
        }
        _ = try await session.command("MAIL FROM:<\(mail.from)>", expect: [250], what: "the sender")
        for recipient in mail.to {
            _ = try await session.command("RCPT TO:<\(recipient)>", expect: [250, 251], what: "the recipient \(recipient)")
        }
        _ = try await session.command("DATA", expect: [354], what: "DATA")
        let data = SMTPMail.dotStuffed(mail.rendered(messageID: "\(UUID().uuidString)@\(helloName)", date: now))
        try await session.outbound.write(ByteBuffer(string: data + ".\r\n"))
        progress.dataSent = true
        _ = try await session.expect([250], what: "the message")
        // The mail is accepted; QUIT is a courtesy whose answer changes nothing.
        _ = try? await session.command("QUIT", expect: [221], what: "QUIT")
    }
}
