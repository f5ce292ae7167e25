import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// The features' declarations, read by the shared files, hold together:
/// the shipped migrations keep their order, no string key or job kind is
/// declared twice, and every navigation label has text.
@Suite struct FeatureRegistryTests {
    @Test func shippedMigrationsKeepTheirOrder() {
        // A fresh database runs these in this order. Changing it could run a
        // migration before one it depends on; new migrations go at the end
        // of their release.
        let names = FanfareMigrations.all.map { String(describing: type(of: $0)) }
        #expect(
            names == [
                "CreateIdempotencyRecords", "CreateJobs", "CreateUsers", "CreateLoginFailures", "CreateSetupTokens", "CreateBrowserSessions",
                "CreateWorkspaces", "CreateMemberships", "CreateInvitations", "CreateAPITokens", "CreateAuditEvents", "CreateSocialAccounts",
                "AddAccountSettings", "CreateTopics", "CreateAssets", "CreatePosts", "CreatePostVariants", "CreateCalendarSettings",
                "CreateNotifications", "CreateSandboxPosts", "CreateModeration", "AddMessageAnalysis", "CreatePushNonces", "CreateInbox",
                "CreateFans", "CreateFanProgramme", "CreateRewards", "AddActivityReservation", "CreateInstallationFacts", "CreateThrottleEvents",
                "AddLexiconImports", "AddPublicFeedbackForm", "CreateMetricDays", "CreateAnalyticsReports", "CreateConversions",
                "AddFanAnalyticsIndexes", "CreateAnomalies", "CreateTrackedAccounts", "CreateMetricImports", "AddOverviewIndexes",
                "CreateConversionSlots", "AddPostGains", "AddSlotTypeAndRewriteIndexes", "AddImportedPostDays",
                "CreateOAuthSignIns", "AddAssetFiles", "CreateSandboxModeration", "CreateMessageActions", "AddPlatformApps",
                "AddModerationRules", "CreateConversationNotes", "CreateWeChatReplies",
                // Release 16 (issue 20): notification channels, the publishing
                // hold (Publishing's), the inbox's sent-reply index, listening, incidents.
                "CreateNotifyChannels", "CreatePublishingHolds", "AddReplySentIndex", "CreateListening", "CreateIncidents",
                // Release 17: listening's search sources.
                "CreateListeningSearches",
                // Release 18: goals.
                "CreateGoals",
                // Release 19 (issue 21): links that split their visitors, experiments.
                "AddLinkSplits", "CreateExperiments",
                // Release 20 (issue 21): the library's hits, experiments whose arms are posts.
                "CreateContentHits", "AddPostArms",
                // Release 21 (issue 21): experiments randomised by audience.
                "AddAudienceArms",
                // Release 22 (issue 22): campaigns, and posts' campaign as a reference.
                "CreateCampaigns", "AddCampaignReferences", "CreatePostMortems",
                // Release 22 (issue 22): the risk register, then the knowledge base (post-mortems and incident reviews).
                "CreateRisks", "CreateKnowledge",
                // Release 22 (issue 22): budgets.
                "CreateBudgets",
            ])
    }

    @Test func noStringKeyIsDeclaredTwice() {
        var owners: [String: String] = Dictionary(uniqueKeysWithValues: Strings.sharedEn.keys.map { ($0, "shared") })
        for key in ChartStrings.en.keys {
            #expect(owners[key] == nil, "\(key) is declared by \(owners[key] ?? "") and the charts")
            owners[key] = "charts"
        }
        #expect(Set(ChartStrings.en.keys) == Set(ChartStrings.zhHans.keys), "the charts have keys in one language only")
        for feature in Features.all {
            for key in feature.strings.en.keys {
                #expect(owners[key] == nil, "\(key) is declared by \(owners[key] ?? "") and \(feature.name)")
                owners[key] = feature.name
            }
            #expect(Set(feature.strings.en.keys) == Set(feature.strings.zhHans.keys), "\(feature.name) has keys in one language only")
        }
    }

    @Test func everyJobKindIsDeclaredOnceAndEveryFeatureOnce() {
        let kinds = Features.all.flatMap(\.jobs).map(\.kind)
        #expect(kinds.count == Set(kinds).count, "\(kinds)")
        #expect(Set(JobKinds.handlers().keys).union(JobKinds.batchHandlers().keys) == Set(kinds))
        let names = Features.all.map(\.name)
        #expect(names.count == Set(names).count)
    }

    @Test func everyNavigationEntryHasTextInBothLanguages() {
        for entry in Features.all.flatMap(\.navigation) {
            #expect(Strings.en[entry.label] != nil && Strings.zhHans[entry.label] != nil, "\(entry.label)")
        }
        for group in NavigationGroup.allCases {
            #expect(Strings.zhHans["nav.group.\(group.rawValue)"] != nil)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theNavigationIsGroupedAndShowsOnlyWhatTheRoleMayOpen(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, _, ws) = try await t.makeWorkspaceAdmin("owner@example.com", workspace: "Brand")
            let agent = try await t.makeUser("agent@example.com", locale: "zh-Hans")
            try await t.addMember(agent, to: ws, as: .agent)
            let browser = Browser(t)
            _ = try await browser.signIn("agent@example.com")
            let page = try await browser.get("/w/\(ws.slug)")
            // An agent answers fans: the engagement group, no settings.
            #expect(page.body.contains("data-group=\"engagement\"") && page.body.contains(">互动<"))
            #expect(page.body.contains("href=\"/w/\(ws.slug)/inbox\""))
            #expect(!page.body.contains("href=\"/w/\(ws.slug)/audit\""))
            #expect(!page.body.contains("href=\"/w/\(ws.slug)/settings\""))
        }
    }

    /// Shared files name no feature: every type declared under Features/
    /// is absent from their code (a feature that needs wiring declares it in
    /// its own folder instead). The workspace itself, the tenant every
    /// scope and page frame is built on, is the one exception.
    @Test func sharedFilesNameNoFeature() throws {
        let sources = ContractTests.repository.appendingPathComponent("Sources/FanfareServer")
        let featureFiles = FileManager.default.enumerator(at: sources.appendingPathComponent("Features"), includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        var featureTypes: Set<String> = []
        let declaration = try Regex(#"(?:struct|enum|class|actor|protocol|typealias)\s+([A-Z][A-Za-z0-9]+)"#)
        for file in featureFiles {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                guard let match = line.firstMatch(of: declaration) else { continue }
                if let name = match.output[1].substring { featureTypes.insert(String(name)) }
            }
        }
        let shared = [
            "Application/Routes.swift", "Application/Migrations.swift", "Application/Configure.swift", "Application/Entrypoint.swift",
            "Jobs/JobWorker.swift",
            "Web/I18n/I18n.swift", "Web/I18n/Strings.swift", "Web/Layout.swift",
        ]
        for path in shared {
            let source = try String(contentsOf: sources.appendingPathComponent(path), encoding: .utf8)
            // Code only: comments and string literals may speak of features.
            let text = source.split(separator: "\n").map { line in
                line.replacing(try! Regex(#"//.*$"#), with: "").replacing(try! Regex(#""([^"\\]|\\.)*""#), with: "\"\"")
            }.joined(separator: "\n")
            let words = Set(text.split { !$0.isLetter && !$0.isNumber }.map(String.init))
            let named = featureTypes.subtracting(["Workspace"]).intersection(words).sorted()
            #expect(named.isEmpty, "\(path) names \(named)")
        }
    }

    /// A feature uses another only through its service surface: no page,
    /// API, assembly, store, runner or other working part of one feature is
    /// named in another's files (models and services may be).
    @Test func featuresUseOneAnotherOnlyThroughTheirServices() throws {
        let features = ContractTests.repository.appendingPathComponent("Sources/FanfareServer/Features")
        let declaration = try Regex(#"^\s*(?:(?:public|private|fileprivate|final)\s+)*(?:struct|enum|class|actor|protocol) +([A-Z][A-Za-z0-9]+)"#)
        var owner: [String: String] = [:]
        var files: [(feature: String, url: URL, text: String)] = []
        for folder in try FileManager.default.contentsOfDirectory(atPath: features.path).sorted() {
            let urls =
                FileManager.default.enumerator(at: features.appendingPathComponent(folder), includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
            for url in urls {
                let text = try String(contentsOf: url, encoding: .utf8)
                files.append((folder, url, text))
                for line in text.split(separator: "\n") {
                    if let match = line.firstMatch(of: declaration), let name = match.output[1].substring, owner[String(name)] == nil {
                        owner[String(name)] = folder
                    }
                }
            }
        }
        let workingParts = [
            "Pages", "API", "Assembly", "Store", "Runner", "Intake", "Writer", "Sweep", "Snapshotter", "Tiering", "Engagement", "Entries",
            "Router", "Sender", "Watch", "Scan", "Load", "Merges", "Privacy", "Reports",
        ]
        var crossings: [String] = []
        for file in files {
            let code = file.text.split(separator: "\n").map { $0.replacing(try! Regex(#"//.*$"#), with: "") }.joined(separator: "\n")
            let words = Set(code.split { !$0.isLetter && !$0.isNumber }.map(String.init))
            for word in words {
                guard let home = owner[word], home != file.feature, workingParts.contains(where: { word.hasSuffix($0) }) else { continue }
                crossings.append("\(file.url.lastPathComponent) (\(file.feature)) uses \(home)'s \(word)")
            }
        }
        #expect(crossings.sorted() == [], "use the feature's service surface instead")
    }
}
