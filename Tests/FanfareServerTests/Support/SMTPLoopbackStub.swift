import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A mail server on 127.0.0.1 that accepts every message (PLAIN sign-in,
/// any sender and recipient) and records the commands and messages: the
/// email channel's receiver in server tests.
final class SMTPLoopbackStub: Sendable {
    let port: Int
    private let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let recorded = Mutex<(commands: [String], messages: [String])>(([], []))
    var commands: [String] { recorded.withLock { $0.commands } }
    var messages: [String] { recorded.withLock { $0.messages } }

    private init(port: Int, server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>) {
        self.port = port
        self.server = server
    }

    static func start() async throws -> SMTPLoopbackStub {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child) }
            }
        let stub = SMTPLoopbackStub(port: server.channel.localAddress!.port!, server: server)
        Task {
            try? await server.executeThenClose { inbound in
                for try await connection in inbound { Task { try? await stub.serve(connection) } }
            }
        }
        return stub
    }

    func shutdown() async { try? await server.channel.close() }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            func say(_ text: String) async throws { try await outbound.write(ByteBuffer(string: text + "\r\n")) }
            try await say("220 stub ESMTP")
            var pending = ""
            var data: String?
            for try await var buffer in inbound {
                pending += buffer.readString(length: buffer.readableBytes) ?? ""
                while let end = pending.range(of: "\r\n") {
                    let line = String(pending[..<end.lowerBound])
                    pending.removeSubrange(..<end.upperBound)
                    if let message = data {
                        if line == "." {
                            recorded.withLock { $0.messages.append(message) }
                            data = nil
                            try await say("250 queued")
                        } else {
                            data = message + line + "\r\n"
                        }
                        continue
                    }
                    recorded.withLock { $0.commands.append(line) }
                    switch line.split(separator: " ").first.map({ $0.uppercased() }) ?? "" {
                    case "EHLO":
                        try await say("250-stub")
                        try await say("250 AUTH PLAIN")
                    case "AUTH": try await say("235 ok")
                    case "DATA":
                        data = ""
                        try await say("354 go ahead")
                    case "QUIT":
                        try await say("221 bye")
                        return
                    default: try await say("250 ok")
                    }
                }
            }
        }
    }
}
