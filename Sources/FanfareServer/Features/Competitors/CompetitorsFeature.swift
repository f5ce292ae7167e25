import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// Competitors: other brands' public accounts a workspace tracks, read
/// from their platform where its API allows (Sandbox, Mastodon) through a
/// connected account's connector, and compared with the workspace's own
/// accounts on 数据 → 竞品对标 (growth, cadence, content types, the
/// 声量 × 互动 quadrant).
struct CompetitorsFeature: Feature {
    var name: String { "competitors" }

    var migrations: [ShippedMigration] { [ShippedMigration(10, CreateTrackedAccounts())] }

    func routes(_ routes: FeatureRoutes) throws {
        CompetitorsAPI().bootScoped(routes.workspaceAPI)
        CompetitorsPages().bootScoped(routes.workspacePages)
    }

    var jobs: [JobRegistration] {
        [
            JobRegistration(CompetitorReads.kind, run: .single(CompetitorReads.run), schedule: .every(CompetitorReads.period)),
            JobRegistration(Self.readOne, run: .single(Self.runReadOne)),
        ]
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] { ["text", "image", "video", "link"].map { "competitors.type.\($0)" } + CompetitorsPage.quadrantKeys }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.data, order: 50, path: "/competitors", label: "nav.competitors", permission: .analyticsView)]
    }

    struct ReadPayload: Codable, Sendable { var trackedAccountID: UUID }
    static let readOne = JobKind<ReadPayload>("competitors.read_one")

    /// A newly tracked account is read at once by the worker (never in the request).
    static func readSoon(_ account: TrackedAccount, on db: any Database) async throws {
        guard TrackedAccountRules.readable.contains(account.platform) else { return }
        try await JobQueue(db: db).enqueue(
            readOne, payload: ReadPayload(trackedAccountID: account.id!), uniqueKey: "competitors.read_one:\(account.id!)")
    }

    @Sendable static func runReadOne(_ job: Job, _ app: Application) async throws {
        let payload = try readOne.payload(of: job)
        guard let tracked = try await TrackedAccount.find(payload.trackedAccountID, on: app.db) else { return }
        do {
            try await CompetitorService.read(tracked, app: app)
        } catch let error as ConnectorError where error.isRetriable {
            throw JobRetry(after: 300, reason: ConnectorMessages.text(error))
        } catch let error as ConnectorError {
            app.logger.info("tracked account not read", metadata: ["tracked": .string(tracked.id!.uuidString), "why": .string("\(error)")])
        }
    }
}
