import NIOCore
import Synchronization

/// Every open client connection of one server: admits a new one only below
/// the cap (so the process keeps descriptors for its database, worker and
/// files however many clients come), and at shutdown asks each to finish
/// and waits until all have closed.
final class ConnectionRegistry: Sendable {
    private struct State {
        var open: [ObjectIdentifier: any Channel] = [:]
        var stopping = false
        var drained: EventLoopPromise<Void>?
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = limit }

    var count: Int { state.withLock { $0.open.count } }

    /// Takes `channel` in when there is room (or, `replacing` one that is
    /// being closed, at the cap); false means refuse it.
    func admit(_ channel: any Channel, replacing: Bool = false) -> Bool {
        state.withLock { s in
            guard !s.stopping, s.open.count < limit || replacing else { return false }
            s.open[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func remove(_ channel: any Channel) {
        let drained: EventLoopPromise<Void>? = state.withLock { s in
            s.open[ObjectIdentifier(channel)] = nil
            guard s.open.isEmpty, let promise = s.drained else { return nil }
            s.drained = nil
            return promise
        }
        drained?.succeed()
    }

    /// Tells every connection that the server stops (an idle one closes at
    /// once, a busy one after its response) and succeeds when all are
    /// closed. Connections still open after `timeout` are closed outright.
    func quiesce(on eventLoop: any EventLoop, timeout: TimeAmount) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        let channels: [any Channel] = state.withLock { s in
            s.stopping = true
            if s.open.isEmpty {
                promise.succeed()
            } else {
                s.drained = promise
            }
            return Array(s.open.values)
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(ServerIsStopping())
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let deadline = eventLoop.scheduleTask(in: timeout) { [self] in
            let stragglers = state.withLock { Array($0.open.values) }
            for channel in stragglers { channel.close(promise: nil) }
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        return promise.futureResult
    }
}

/// Sent to each connection before NIO's `ChannelShouldQuiesceEvent`, which
/// HTTPServerPipelineHandler consumes: a streaming response ends on it.
struct ServerIsStopping: Sendable {}
