import ArgumentParser
import Foundation
import Vapor

extension FanfareCommand {
    /// `fanfare routes`: every route, one a line (`GET /api/v1/me`).
    struct Routes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lists every route, one a line: method and path pattern.",
            discussion: "Needs no settings, no database and no data directory: nothing is created or read.")

        func run() async throws {
            for line in try await Self.lines() { print(line) }
        }

        /// The routes of an application configured in memory. Its settings
        /// point at a data directory that is never created, with a key made
        /// up for the occasion: configuring opens no database (connections
        /// open when first used) and writes no file, so listing routes leaves
        /// nothing behind (it used to leave a `fanfare-data/` with a secret
        /// key in the working directory).
        static func lines() async throws -> [String] {
            let nowhere = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-routes-\(UUID().uuidString)")
            let settings = Settings(
                dataDirectory: nowhere, databaseURL: nil, secretKey: Data((0..<32).map { _ in UInt8.random(in: 0...255) }),
                host: "127.0.0.1", port: 8080, logLevel: .error, demo: false)
            let app = try await Application.make(Environment(name: "production", arguments: ["fanfare"]))
            do {
                try await configure(app, settings: settings, options: RuntimeOptions(inProcessWorker: false))
                let lines = app.routes.all.map { route in
                    "\(route.method.rawValue) /" + route.path.map(\.description).joined(separator: "/")
                }
                try await app.asyncShutdown()
                return lines
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
        }
    }
}
