import FanfareServer
import Foundation
import NIOCore
import NIOPosix

// Swift concurrency's tasks run on NIO's event loops instead of Dispatch's
// pool: a request's handler, its database calls and its response then stay
// on one set of threads, with no hop between pools on every await (on two
// cores the hops were a fifth of the server's CPU under load). Must come
// before any task starts.
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

exit(await FanfareMain.run())
