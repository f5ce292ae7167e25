import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// A TCP client to a server on this machine that sends exactly the bytes it
/// is given (partial heads, pipelined requests, oversized lines) and keeps
/// everything it receives, to test the server's connection handling.
/// Loopback only.
final class RawClient: Sendable {
    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = NIOLockedValueBox(ByteBuffer())
        let closed = NIOLockedValueBox(false)

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            received.withLockedValue { _ = $0.writeBuffer(&bytes) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed.withLockedValue { $0 = true }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    private let channel: any Channel
    private let collector: Collector

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    static func connect(port: Int) async throws -> RawClient {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawClient(channel: channel, collector: collector)
    }

    /// Sends `text`; false if the server has closed the connection.
    @discardableResult
    func send(_ text: String) async -> Bool {
        do {
            try await channel.writeAndFlush(ByteBuffer(string: text))
            return true
        } catch {
            return false
        }
    }

    /// Everything received so far, as bytes.
    var data: Data { collector.received.withLockedValue { Data($0.readableBytesView) } }

    /// Everything received so far, as text.
    var text: String { collector.received.withLockedValue { String(buffer: $0) } }
    var isClosed: Bool { collector.closed.withLockedValue { $0 } }

    /// Waits until `condition` holds, for at most `seconds`; tells whether it did.
    func wait(upTo seconds: Double, until condition: (RawClient) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(self)
    }

    func close() async {
        try? await channel.close()
    }
}
