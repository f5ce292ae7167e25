import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// The pushes' own HTTP/1.1 client. Each request is made, signed and
/// written out before the clock starts; during the run it is sent on one of
/// a fixed set of keep-alive connections, and of the answer only the status
/// line and the body's length are read. AsyncHTTPClient spent more than
/// half a core at 2,000 requests a second, on the same two cores as the
/// server under test; a platform's servers are not on ours.
final class PushLoad: Sendable {
    private let connections: Mutex<(idle: [PushConnection], waiting: [CheckedContinuation<PushConnection, Never>])>
    private let host: String
    private let port: Int

    private init(_ open: [PushConnection], host: String, port: Int) {
        connections = Mutex((open, []))
        self.host = host
        self.port = port
    }

    /// Opens `count` connections, before the clock starts.
    static func connect(_ count: Int, host: String, port: Int) async throws -> PushLoad {
        var open: [PushConnection] = []
        for _ in 0..<count { open.append(try await PushConnection.open(host: host, port: port)) }
        return PushLoad(open, host: host, port: port)
    }

    /// Sends one request on the next free connection and returns the
    /// answer's status, or 0 when there was none (the connection broke).
    func send(_ request: ByteBuffer) async -> Int {
        var connection = await acquire()
        if !connection.isActive, let fresh = try? await PushConnection.open(host: host, port: port) { connection = fresh }
        let status = await connection.send(request)
        release(connection)
        return status
    }

    /// Sends `requests` open-loop at `rate` a second: request i is due at
    /// i ÷ rate seconds, and its latency counts from when it was due, not
    /// from when it was sent, so a server that falls behind is charged for
    /// the wait (no coordinated omission). Answers (status, milliseconds)
    /// in completion order.
    func paced(_ requests: [ByteBuffer], rate: Int) async -> [(status: Int, milliseconds: Double)] {
        let start = ContinuousClock.now
        return await withTaskGroup(of: (Int, Double).self) { group in
            for (index, request) in requests.enumerated() {
                let due = start.advanced(by: .microseconds(Int64(index) * 1_000_000 / Int64(rate)))
                try? await Task.sleep(until: due, clock: .continuous)
                group.addTask {
                    let status = await self.send(request)
                    let elapsed = due.duration(to: .now)
                    return (status, Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                }
            }
            var all: [(status: Int, milliseconds: Double)] = []
            for await result in group { all.append(result) }
            return all
        }
    }

    func close() async {
        let open = connections.withLock { $0.idle }
        for connection in open { await connection.close() }
    }

    private func acquire() async -> PushConnection {
        await withCheckedContinuation { waiter in
            let ready = connections.withLock { state -> PushConnection? in
                if let idle = state.idle.popLast() { return idle }
                state.waiting.append(waiter)
                return nil
            }
            if let ready { waiter.resume(returning: ready) }
        }
    }

    private func release(_ connection: PushConnection) {
        let next = connections.withLock { state -> CheckedContinuation<PushConnection, Never>? in
            guard !state.waiting.isEmpty else {
                state.idle.append(connection)
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume(returning: connection)
    }
}

/// One keep-alive connection with at most one request in flight.
final class PushConnection: Sendable {
    private let channel: any Channel
    private let answers: AnswerReader

    private init(channel: any Channel, answers: AnswerReader) {
        self.channel = channel
        self.answers = answers
    }

    static func open(host: String, port: Int) async throws -> PushConnection {
        let answers = AnswerReader()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(answers) }
            }
            .connect(host: host, port: port).get()
        return PushConnection(channel: channel, answers: answers)
    }

    var isActive: Bool { channel.isActive }

    func send(_ request: ByteBuffer) async -> Int {
        let answer = channel.eventLoop.makePromise(of: Int.self)
        channel.eventLoop.execute { [answers, channel] in
            answers.expect(answer)
            channel.writeAndFlush(request, promise: nil)
        }
        return (try? await answer.futureResult.get()) ?? 0
    }

    func close() async {
        try? await channel.close()
    }
}

/// Reads HTTP/1.1 answers: the status from the status line, then skips the
/// body by its Content-Length. Lives on its channel's event loop.
private final class AnswerReader: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private var pending: EventLoopPromise<Int>?
    private var received = ByteBuffer()
    private static let headEnd: [UInt8] = Array("\r\n\r\n".utf8)

    func expect(_ answer: EventLoopPromise<Int>) {
        pending = answer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
        while let status = nextAnswer() {
            pending?.succeed(status)
            pending = nil
        }
    }

    /// The status of the next whole answer in `received`, which is then consumed.
    private func nextAnswer() -> Int? {
        let view = received.readableBytesView
        guard let end = view.firstRange(of: Self.headEnd) else { return nil }
        let head = String(decoding: view[view.startIndex..<end.lowerBound], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        let status = lines.first.flatMap { line in line.split(separator: " ").dropFirst().first.flatMap { Int($0) } } ?? 0
        let length =
            lines.lazy.compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                return Int(parts[1].trimmingCharacters(in: .whitespaces))
            }.first ?? 0
        let whole = (end.upperBound - view.startIndex) + length
        guard received.readableBytes >= whole else { return nil }
        received.moveReaderIndex(forwardBy: whole)
        received.discardReadBytes()
        return status
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending?.succeed(0)
        pending = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        pending?.succeed(0)
        pending = nil
        context.close(promise: nil)
    }
}
