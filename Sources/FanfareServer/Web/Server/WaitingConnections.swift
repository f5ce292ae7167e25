import NIOCore

/// The connections of one event loop that are waiting for a request (idle
/// between requests, or still sending a head), oldest first. When the server
/// is at its connection cap, a new connection takes the place of the oldest
/// of these instead of being refused: so slow or idle clients filling every
/// slot cannot lock out a client that has something to ask.
///
/// Used only on its event loop (asserted), hence no locks.
final class WaitingConnections: @unchecked Sendable {
    let eventLoop: any EventLoop
    private var oldest: ConnectionGuard?
    private var newest: ConnectionGuard?

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func append(_ connection: ConnectionGuard) {
        eventLoop.assertInEventLoop()
        guard !connection.isWaiting else { return }
        connection.isWaiting = true
        connection.olderWaiting = newest
        connection.newerWaiting = nil
        if let newest { newest.newerWaiting = connection } else { oldest = connection }
        newest = connection
    }

    func remove(_ connection: ConnectionGuard) {
        eventLoop.assertInEventLoop()
        guard connection.isWaiting else { return }
        if let older = connection.olderWaiting { older.newerWaiting = connection.newerWaiting } else { oldest = connection.newerWaiting }
        if let newer = connection.newerWaiting { newer.olderWaiting = connection.olderWaiting } else { newest = connection.olderWaiting }
        connection.olderWaiting = nil
        connection.newerWaiting = nil
        connection.isWaiting = false
    }

    /// Closes the oldest waiting connection; false when none is waiting.
    func evictOldest() -> Bool {
        eventLoop.assertInEventLoop()
        guard let victim = oldest else { return false }
        remove(victim)
        victim.evict()
        return true
    }
}

/// One list per event loop of a group, made before the server starts.
struct WaitingConnectionsByLoop: Sendable {
    private let lists: [ObjectIdentifier: WaitingConnections]

    init(group: any EventLoopGroup) {
        var lists: [ObjectIdentifier: WaitingConnections] = [:]
        for loop in group.makeIterator() { lists[ObjectIdentifier(loop)] = WaitingConnections(eventLoop: loop) }
        self.lists = lists
    }

    func list(for eventLoop: any EventLoop) -> WaitingConnections? { lists[ObjectIdentifier(eventLoop)] }
}
