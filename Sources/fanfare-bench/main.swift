import FanfareServer
import Foundation
import Logging

// The in-process set-up (migrations, seeding) would otherwise log every
// step; the report on standard output is what matters.
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .error
    return handler
}
exit(await CommandLineRunner.run(FanfareBench.self, name: "fanfare-bench", arguments: Array(CommandLine.arguments.dropFirst())))
