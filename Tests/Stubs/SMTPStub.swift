import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A mail server on 127.0.0.1 speaking just enough ESMTP for Fanfare's
/// client, shared by the connector tests (the conversation, refusals, TLS)
/// and the server tests (the email channel's receiver). It records every
/// command, whether it arrived encrypted, and every message, and answers
/// from a script.
public final class SMTPStub: Sendable {
    public let port: Int
    private let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let recorded = Mutex<(commands: [String], encrypted: [Bool], messages: [String])>(([], [], []))
    public var commands: [String] { recorded.withLock { $0.commands } }
    /// For each of `commands`, whether it came over TLS.
    public var encrypted: [Bool] { recorded.withLock { $0.encrypted } }
    public var messages: [String] { recorded.withLock { $0.messages } }

    public struct Script: Sendable {
        public var greet = true
        public var offerStartTLS = false
        /// TLS from the first byte, as on port 465.
        public var implicitTLS = false
        public var auth = "PLAIN LOGIN"
        /// The only sign-in accepted; nil accepts any.
        public var user: String? = "robot"
        public var password = "pa55 word"
        public var refuseRecipient: String? = "nobody@example.com"
        public init() {}

        /// Accepts every sign-in, sender and recipient: a relay for the
        /// server tests, which are about what the channel sends.
        public static var acceptingAll: Script {
            var script = Script()
            script.user = nil
            script.auth = "PLAIN"
            script.refuseRecipient = nil
            return script
        }
    }

    /// The stub's certificate, for the name `smtp.test` (a name that never
    /// resolves: tests answer it with 127.0.0.1 through their own
    /// resolver). Test-only key pair, made once with
    /// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1
    /// -days 36500 -nodes -subj /CN=smtp.test -addext subjectAltName=DNS:smtp.test`;
    /// it protects nothing.
    public static let certificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBljCCATugAwIBAgIUI6YdmXphq9PI+xGDeMMI7kOnIXIwCgYIKoZIzj0EAwIw
        FDESMBAGA1UEAwwJc210cC50ZXN0MCAXDTI2MTIwNzA2MjIwNloYDzIxMjYxMTEz
        MDYyMjA2WjAUMRIwEAYDVQQDDAlzbXRwLnRlc3QwWTATBgcqhkjOPQIBBggqhkjO
        PQMBBwNCAARmKSNRa8v7g2ay1FsBasi6vGxc6q/narXcaXLDOql2wINMCsDue9Ij
        H1QGAdGCK66aUgmYKtvlmaOikeu616uOo2kwZzAdBgNVHQ4EFgQUSR1vRW6S/EQ3
        8VULsGQio2TNXOkwHwYDVR0jBBgwFoAUSR1vRW6S/EQ38VULsGQio2TNXOkwDwYD
        VR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglzbXRwLnRlc3QwCgYIKoZIzj0EAwID
        SQAwRgIhALv9jSjZC0ZSv9vf2OP5XH8XZbkodl+cD/PnxDVeYOZvAiEA88jr1nKK
        B6GQK29aC7BeIVUZ71ckuj0qc7FVZzQ8hrU=
        -----END CERTIFICATE-----
        """
    static let privateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgHSLctblpivuFKT/x
        ZbtTmieZ+zlwZEv4Eld/Otj4PHihRANCAARmKSNRa8v7g2ay1FsBasi6vGxc6q/n
        arXcaXLDOql2wINMCsDue9IjH1QGAdGCK66aUgmYKtvlmaOikeu616uO
        -----END PRIVATE KEY-----
        """
    public static let hostName = "smtp.test"

    /// A client configuration that trusts only the stub's certificate.
    public static func trustingStub() throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)))
        return configuration
    }

    static func serverContext() throws -> NIOSSLContext {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)))
        return try NIOSSLContext(configuration: configuration)
    }

    private init(port: Int, server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>) {
        self.port = port
        self.server = server
    }

    public static func start(_ script: Script = Script()) async throws -> SMTPStub {
        let tls = script.implicitTLS || script.offerStartTLS ? try serverContext() : nil
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture {
                    if script.implicitTLS, let tls { try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child)
                }
            }
        let stub = SMTPStub(port: server.channel.localAddress!.port!, server: server)
        Task {
            try? await server.executeThenClose { inbound in
                for try await connection in inbound {
                    Task { try? await stub.serve(connection, script, tls: tls) }
                }
            }
        }
        return stub
    }

    public func shutdown() async {
        try? await server.channel.close()
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, _ script: Script, tls: NIOSSLContext?) async throws {
        let channel = connection.channel
        try await connection.executeThenClose { inbound, outbound in
            func say(_ text: String) async throws { try await outbound.write(ByteBuffer(string: text + "\r\n")) }
            guard script.greet else {
                for try await _ in inbound {}
                return
            }
            try await say("220 stub.example ESMTP")
            var secure = script.implicitTLS
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
                    recorded.withLock {
                        $0.commands.append(line)
                        $0.encrypted.append(secure)
                    }
                    let verb = line.split(separator: " ").first.map { $0.uppercased() } ?? ""
                    if login == 1 {
                        let name = Data(base64Encoded: line).map { String(decoding: $0, as: UTF8.self) }
                        login = script.user == nil || name == script.user ? 2 : -1
                        try await say("334 UGFzc3dvcmQ6")
                        continue
                    }
                    if login == 2 || login == -1 {
                        let given = Data(base64Encoded: line).map { String(decoding: $0, as: UTF8.self) }
                        let ok = login == 2 && (script.user == nil || given == script.password)
                        login = 0
                        try await say(ok ? "235 2.7.0 ok" : "535 5.7.8 authentication failed")
                        continue
                    }
                    switch verb {
                    case "EHLO":
                        try await say("250-stub.example")
                        if script.offerStartTLS, !secure { try await say("250-STARTTLS") }
                        try await say("250-AUTH \(script.auth)")
                        try await say("250 8BITMIME")
                    case "STARTTLS":
                        guard let tls, !secure, pending.isEmpty else {
                            try await say("454 4.7.0 TLS not available")
                            continue
                        }
                        // The answer goes out plain and the TLS handler goes
                        // in on the same event-loop turn, so the client's
                        // first handshake bytes can only reach the handler.
                        try await channel.eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
                            let ready = channel.writeAndFlush(ByteBuffer(string: "220 2.0.0 ready\r\n"))
                            do {
                                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
                            } catch {
                                return channel.eventLoop.makeFailedFuture(error)
                            }
                            return ready
                        }.get()
                        secure = true
                    case "AUTH":
                        let parts = line.split(separator: " ")
                        if parts.count == 3, parts[1].uppercased() == "PLAIN" {
                            let decoded = Data(base64Encoded: String(parts[2])).map { String(decoding: $0, as: UTF8.self) }
                            let ok = script.user == nil || decoded == "\0\(script.user!)\0\(script.password)"
                            try await say(ok ? "235 2.7.0 ok" : "535 5.7.8 authentication failed")
                        } else {
                            login = 1
                            try await say("334 VXNlcm5hbWU6")
                        }
                    case "MAIL": try await say("250 ok")
                    case "RCPT":
                        let refused = script.refuseRecipient.map { line.contains($0) } ?? false
                        try await say(refused ? "550 5.1.1 no such user" : "250 ok")
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
