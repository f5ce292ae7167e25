import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// A post as the API shows it: its content, each account's variant with
/// the rules it breaks and how publishing went, and its review.
struct PostDTO: Content {
    var id: UUID
    var title: String?
    var body: String
    var pillar: String
    var format: String
    var pool: String
    var topicId: UUID?
    /// The campaign's name and reference.
    var campaign: String?
    var campaignId: UUID?
    var tags: [String]
    var assetIds: [UUID]
    var status: String
    var version: Int
    var scheduledAt: Date?
    var authorId: UUID?
    var createdAt: Date
    var updatedAt: Date
    var variants: [VariantDTO]
    var review: ReviewDTO

    struct VariantDTO: Content {
        var id: UUID
        var accountId: UUID
        var platform: String
        var handle: String
        var title: String?
        var text: String
        var tags: [String]
        var state: String
        var attempts: Int
        var remoteId: String?
        var url: String?
        var publishedAt: Date?
        var errorCode: String?
        var lastError: String?
        var violations: [RuleViolation]
        var metrics: [MetricsDTO]
        var attemptHistory: [AttemptDTO]
        /// Hand-off only: what a person pastes and the steps to follow.
        var handOff: HandOffPackage?
    }

    struct MetricsDTO: Content {
        var label: String
        var impressions: Int?
        var likes: Int
        var comments: Int
        var shares: Int
        var takenAt: Date
    }

    struct AttemptDTO: Content {
        var number: Int
        var startedAt: Date
        var finishedAt: Date?
        var outcome: String
        var message: String?
    }

    struct ReviewDTO: Content {
        var steps: [StepDTO]
        var state: String
        var currentStep: String?
        var history: [EntryDTO]
    }

    struct StepDTO: Content {
        var key: String
        var name: String
        var approvers: [String]
        var automatic: Bool
    }

    struct EntryDTO: Content {
        var step: String?
        var decision: String
        var actorId: String?
        var comment: String?
        var problems: [String]
        var at: Date
    }

    /// Everything about one post, read in a handful of queries.
    static func load(_ post: Post, on db: any Database) async throws -> PostDTO {
        let variants = try await PostVariant.query(on: db).filter(\.$post.$id == post.id!).with(\.$account).sort(\.$id).all()
        let ids = variants.map { $0.id! }
        let snapshots = ids.isEmpty ? [] : try await MetricSnapshot.query(on: db).filter(\.$variant.$id ~~ ids).sort(\.$takenAt).all()
        // The metric store's newest day of each variant stands for "latest"
        // when it is newer than the snapshot of that name.
        var stored: [UUID: MetricHistoryService.PostDay] = [:]
        for variant in variants where variant.remoteID != nil {
            stored[variant.id!] = try await MetricHistoryService.latestPost(variantID: variant.id!, workspaceID: post.$workspace.id, on: db)
        }
        let attempts = ids.isEmpty ? [] : try await PublishAttempt.query(on: db).filter(\.$variant.$id ~~ ids).sort(\.$id).all()
        let assets = try await PostAsset.query(on: db).filter(\.$post.$id == post.id!).with(\.$asset).sort(\.$position).all()
        let media = assets.map(\.asset.attachment)
        let record = try ReviewProcess(json: post.reviewJSON)
        return PostDTO(
            id: post.id!, title: post.title, body: post.body, pillar: post.pillar, format: post.format, pool: post.pool, topicId: post.topicID,
            campaign: post.campaign, campaignId: post.campaignID, tags: post.tags, assetIds: assets.map { $0.$asset.id }, status: post.status,
            version: post.version,
            scheduledAt: post.scheduledAt, authorId: post.authorID, createdAt: post.createdAt, updatedAt: post.updatedAt,
            variants: variants.map { variant in
                let rules = PlatformRules.standard[variant.platform]
                let candidate = Variant(title: variant.title, text: variant.text, tags: variant.tags, media: media)
                return VariantDTO(
                    id: variant.id!, accountId: variant.$account.id, platform: variant.platform, handle: variant.account.handle, title: variant.title,
                    text: variant.text, tags: variant.tags, state: variant.state, attempts: variant.attempts, remoteId: variant.remoteID,
                    url: variant.url,
                    publishedAt: variant.publishedAt, errorCode: variant.errorCode, lastError: variant.lastError,
                    violations: rules.map { VariantValidator.violations(of: candidate, against: $0) } ?? [],
                    metrics: snapshots.filter { $0.$variant.id == variant.id }.map { snapshot in
                        if snapshot.label == "latest", let day = stored[variant.id!], day.takenAt > snapshot.takenAt {
                            return MetricsDTO(
                                label: "latest", impressions: day.impressions, likes: day.likes ?? 0, comments: day.comments ?? 0,
                                shares: day.shares ?? 0, takenAt: day.takenAt)
                        }
                        return MetricsDTO(
                            label: snapshot.label, impressions: snapshot.impressions, likes: snapshot.likes, comments: snapshot.comments,
                            shares: snapshot.shares, takenAt: snapshot.takenAt)
                    },
                    attemptHistory: attempts.filter { $0.$variant.id == variant.id }.map {
                        AttemptDTO(number: $0.number, startedAt: $0.startedAt, finishedAt: $0.finishedAt, outcome: $0.outcome, message: $0.message)
                    },
                    handOff: variant.handOffJSON.flatMap { try? JSONDecoder().decode(HandOffPackage.self, from: Data($0.utf8)) })
            },
            review: ReviewDTO(record))
    }
}

extension PostDTO.ReviewDTO {
    init(_ record: ReviewProcess) {
        steps = record.chain.steps.map {
            PostDTO.StepDTO(key: $0.key, name: $0.name, approvers: $0.approvers.map(\.rawValue).sorted(), automatic: $0.automatic)
        }
        switch record.state {
        case .draft:
            state = "draft"
            currentStep = nil
        case .inReview(let index):
            state = "in_review"
            currentStep = record.chain.steps.indices.contains(index) ? record.chain.steps[index].key : nil
        case .approved:
            state = "approved"
            currentStep = nil
        case .rejected(let index):
            state = "rejected"
            currentStep = record.chain.steps.indices.contains(index) ? record.chain.steps[index].key : nil
        }
        history = record.history.map {
            PostDTO.EntryDTO(
                step: $0.step, decision: $0.decision.rawValue, actorId: $0.actorID, comment: $0.comment, problems: $0.problems, at: $0.at)
        }
    }
}
