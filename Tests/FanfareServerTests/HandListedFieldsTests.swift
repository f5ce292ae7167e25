import Fluent
import Foundation
import Testing

@testable import FanfareServer

/// The models read on every request list their properties by hand (no
/// reflection per row). Each list must be exactly what reflection finds —
/// the same property objects, in the same order — or a field would silently
/// stop being read or written.
@Suite struct HandListedFieldsTests {
    static let models: [any Fields] = [
        APIToken(), Activity(), ActivityEntry(), Asset(), AuditEvent(), MessageAction(), OAuthClient(), OAuthSignIn(), BrowserSession(),
        Conversation(), Fan(),
        FanIdentity(), FanMerge(),
        FanProgrammeRecord(), FanTierChange(), FeedbackTicket(), ShortLink(), IdempotencyRecord(), InboxReply(), InboxRuleRecord(), InboxSettings(),
        IncomingMessage(), InteractionCursor(), FanfareServer.Invitation(), FanfareServer.Job(), LexiconEntry(), LexiconImport(), Membership(),
        MetricSnapshot(), ModerationFeedback(), ModerationHit(), ModerationRuleRecord(), PointsLedgerLine(), Post(), PostAsset(), PostVariant(),
        PublishAttempt(),
        MetricImport(), ReplyTemplate(), Reward(), RewardRedemption(), SandboxPostRecord(), Segment(), ServiceLevelBreach(), SetupToken(),
        SocialAccount(),
        ThrottleEvent(), Topic(), User(), UserNotification(), WeeklyThemeRecord(), WorkerHeartbeat(), Workspace(), AnalyticsReport(),
        AnalyticsAnomaly(), TrackedAccount(), ConversationNote(), WeChatTemplate(), PlatformApp(), AccountNotice(),
        // Notification channels (issue 20, channels)
        NotifyChannelRecord(), NotifyDelivery(), NotifySMTPSettings(),
        ListeningMonitor(), ListeningAlert(), ListeningFeed(), ListeningSearch(),
        // Incidents (issue 20)
        Incident(), IncidentMember(), IncidentEntry(), IncidentStatement(), IncidentReview(), PublishingHold(),
        // Experiments (issue 21)
        Experiment(), ExperimentArm(), ExperimentSend(), ContentHit(),
        // Goals (issue 21)
        Goal(), GoalObjective(),
        // Campaigns (issue 22)
        Campaign(), CampaignPhase(), CampaignTask(), CampaignTaskPerson(), CampaignDependency(), CampaignChecklistItem(),
        // Risks (issue 22)
        Risk(), RiskTriggerRow(), RiskEvent(), CampaignPostMortem(), KnowledgeDocument(),
        // Budgets (issue 22)
        BudgetLine(), BudgetChannel(), SpendEntry(), BudgetSettings(),
    ]

    static func keys(_ properties: [any AnyProperty]) -> [String] {
        var keys: [String] = []
        for property in properties {
            if let field = property as? any AnyDatabaseProperty { keys += field.keys.map(\.description) }
        }
        return keys
    }

    @Test(arguments: 0..<models.count)
    func theListIsWhatReflectionFinds(_ index: Int) {
        let model = Self.models[index]
        let listed = model.properties
        let reflected = Mirror(reflecting: model).children.compactMap { $0.value as? any AnyProperty }
        let name = String(describing: type(of: model))
        #expect(listed.count == reflected.count, "\(name) lists \(listed.count) properties; reflection finds \(reflected.count)")
        let same = zip(listed, reflected).allSatisfy { pair in
            ObjectIdentifier(pair.0 as AnyObject) == ObjectIdentifier(pair.1 as AnyObject)
        }
        #expect(same, "\(name) lists its properties in another order or other objects than reflection finds")
        #expect(Self.keys(listed) == Self.keys(reflected))
    }

    /// Every model in the sources lists its properties (the test above then
    /// holds each list to what reflection finds): a new model without its
    /// list would be read by reflection, row by row.
    @Test func everyModelListsItsProperties() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/FanfareServer")
        let listed = Set(Self.models.map { String(describing: type(of: $0)) })
        var unlisted: [String] = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: /final class (\w+): Model\b/) {
                let name = String(match.output.1)
                if !listed.contains(name) { unlisted.append(name) }
            }
        }
        #expect(unlisted.isEmpty, "models missing from HandListedFieldsTests.models (give each `var properties`): \(unlisted)")
        #expect(listed.count == Self.models.count)
    }

    /// The hand-written statements (`HandRead`) select every stored column
    /// of their models: a field added to a model and not to its column list
    /// fails here rather than reading as missing at run time.
    @Test func theHandWrittenStatementsSelectEveryColumn() {
        #expect(User.columns == Self.keys(User().properties))
        #expect(Workspace.columns == Self.keys(Workspace().properties))
        #expect(Membership.columns == Self.keys(Membership().properties))
        #expect(APIToken.columns == Self.keys(APIToken().properties))
    }

    /// A token read by its hand-written statement is the row Fluent reads,
    /// stored (an update, not an insert, when saved) and with nothing
    /// pending; a stranger to the workspace still finds their token.
    @Test(arguments: TestDatabase.available)
    func aTokenReadByHandIsTheStoredRow(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (user, secret, _) = try await t.makeWorkspaceAdmin("hand@example.com", workspace: "hand")
            let (stranger, strangerSecret, _) = try await t.makeWorkspaceAdmin("stranger@example.com", workspace: "elsewhere")
            let service = TokenService(db: t.db)
            let (owner, token, access) = try #require(try await service.authenticate(secret, workspace: "hand"))
            let stored = try #require(try await APIToken.query(on: t.db).filter(\.$tokenHash == Secrets.sha256(secret)).first())
            #expect(token.id == stored.id && token.name == stored.name && token.tokenHash == stored.tokenHash && token.hint == stored.hint)
            #expect(token.scopes == stored.scopes && token.revokedAt == nil && token.$id.exists && token.$user.id == user.id)
            #expect(owner.id == user.id && owner.email == "hand@example.com")
            #expect(try #require(access).workspace.slug == "hand")
            // Read as Fluent reads it: nothing pending that a save would write.
            #expect(!token.hasChanges && !owner.hasChanges)
            let found = try #require(try await service.authenticate(strangerSecret, workspace: "hand"))
            #expect(found.0.id == stranger.id && found.2 == nil)
            #expect(try await service.authenticate("fnf_unknown", workspace: "hand") == nil)
        }
    }

    /// A model read through the list keeps every column: a joined read of
    /// person, membership and workspace, as every signed-in request makes.
    @Test(arguments: TestDatabase.available)
    func aModelReadThroughTheListHasEveryColumn(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (user, _, workspace) = try await t.makeWorkspaceAdmin("lists@example.com", workspace: "lists")
            let (found, access) = try #require(try await SessionUserMiddleware.findUser(user.id!, workspace: "lists", on: t.db))
            #expect(found.email == "lists@example.com")
            #expect(found.displayName == user.displayName)
            #expect(found.passwordHash == user.passwordHash)
            #expect(found.sessionEpoch == user.sessionEpoch)
            #expect(found.createdAt.timeIntervalSince(user.createdAt).magnitude < 1)
            let scoped = try #require(access)
            #expect(scoped.workspace.slug == "lists")
            #expect(scoped.workspace.timeZone == workspace.timeZone)
            #expect(scoped.workspace.lexiconVersion == workspace.lexiconVersion)
            #expect(scoped.role == .admin)
            // Written through the list too: a change is saved and read back.
            found.displayName = "Renamed"
            try await found.save(on: t.db)
            #expect(try await User.find(user.id!, on: t.db)?.displayName == "Renamed")
        }
    }
}
