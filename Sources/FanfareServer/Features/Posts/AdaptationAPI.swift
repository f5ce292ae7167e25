import FanfareCore
import Vapor

/// The platform rules, and checking and proposing variants against them:
/// what the compose page's live counters and the review chain's automatic
/// step call. Pure computation over `FanfareCore`; nothing is stored.
struct AdaptationAPI: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("platforms", use: platforms)
    }

    func bootScoped(_ ws: any RoutesBuilder) {
        ws.post("variants", "check", use: check)
        ws.post("variants", "propose", use: propose)
    }

    @Sendable func platforms(req: Request) async throws -> [PlatformRulesDTO] {
        PlatformRules.standard.keys.sorted().map { PlatformRulesDTO(PlatformRules.standard[$0]!) }
    }

    struct MediaInput: Content {
        var kind: String?
        var bytes: Int?
    }

    struct CheckInput: Content {
        var platform: String?
        var title: String?
        var text: String?
        var tags: [String]?
        var media: [MediaInput]?
    }

    struct CheckResult: Content {
        var platform: String
        var textLength: Int
        var textLimit: Int?
        var titleLength: Int?
        var titleLimit: Int?
        var violations: [RuleViolation]
    }

    @Sendable func check(req: Request) async throws -> CheckResult {
        try req.workspaceAccess.require(.contentView)
        let input = try req.decodeInput(CheckInput.self)
        var errors = ValidationErrors()
        let rules = Self.rules(input.platform, errors: &errors)
        let media = Self.media(input.media, errors: &errors)
        if (input.text ?? "").unicodeScalars.count > 100_000 { errors.add("text", .lengthAtMost(max: 100_000)) }
        try errors.throwIfAny()
        let variant = Variant(title: input.title, text: input.text ?? "", tags: input.tags ?? [], media: media)
        return CheckResult(
            platform: rules!.platform, textLength: rules!.counting.count(variant.text), textLimit: rules!.textLimit,
            titleLength: input.title.map { rules!.titleCounting.count($0) }, titleLimit: rules!.titleLimit,
            violations: VariantValidator.violations(of: variant, against: rules!))
    }

    struct ProposeInput: Content {
        var platforms: [String]?
        var title: String?
        var body: String?
        var hashtags: [String]?
        var media: [MediaInput]?
    }

    struct Proposal: Content {
        var platform: String
        var variant: Variant
        var violations: [RuleViolation]
    }

    @Sendable func propose(req: Request) async throws -> [Proposal] {
        try req.workspaceAccess.require(.contentView)
        let input = try req.decodeInput(ProposeInput.self)
        var errors = ValidationErrors()
        let names = input.platforms ?? []
        if names.isEmpty || names.count > 20 { errors.add("platforms", .platformsList(choices: Self.known)) }
        let rules = names.enumerated().compactMap { index, name in Self.rules(name, field: "platforms[\(index)]", errors: &errors) }
        let media = Self.media(input.media, errors: &errors)
        if (input.body ?? "").unicodeScalars.count > 100_000 { errors.add("body", .lengthAtMost(max: 100_000)) }
        try errors.throwIfAny()
        let draft = ContentDraft(title: input.title, body: input.body ?? "", hashtags: input.hashtags ?? [], media: media)
        return rules.map { rules in
            let variant = VariantAdapter.propose(draft, for: rules)
            return Proposal(platform: rules.platform, variant: variant, violations: VariantValidator.violations(of: variant, against: rules))
        }
    }

    private static var known: [String] { PlatformRules.standard.keys.sorted() }

    private static func rules(_ name: String?, field: String = "platform", errors: inout ValidationErrors) -> PlatformRules? {
        guard let name, let rules = PlatformRules.standard[name.lowercased()] else {
            errors.add(field, .oneOf(choices: known))
            return nil
        }
        return rules
    }

    private static func media(_ input: [MediaInput]?, errors: inout ValidationErrors) -> [MediaAttachment] {
        guard let input else { return [] }
        if input.count > 100 { errors.add("media", .attachmentsAtMost(max: 100)) }
        return input.prefix(100).enumerated().compactMap { index, item in
            guard let raw = item.kind, let kind = MediaKind(rawValue: raw) else {
                errors.add("media[\(index)].kind", .oneOf(choices: ["image", "gif", "video"]))
                return nil
            }
            guard let bytes = item.bytes, bytes >= 0 else {
                errors.add("media[\(index)].bytes", .fileSize)
                return nil
            }
            return MediaAttachment(kind: kind, bytes: bytes)
        }
    }
}

/// A platform's rules as the API shows them.
struct PlatformRulesDTO: Content {
    struct Media: Content {
        var maxCount: Int
        var kinds: [String]
        var maxBytes: [String: Int]
        var videoAlone: Bool
        var required: [String]
    }

    var platform: String
    var textLimit: Int?
    var counting: String
    var secondLimit: Int?
    var secondCounting: String?
    var titleLimit: Int?
    var titleCounting: String
    var titleRequired: Bool
    var hashtagStyle: String
    var preferredLength: Int?
    var media: Media

    init(_ rules: PlatformRules) {
        platform = rules.platform
        textLimit = rules.textLimit
        counting = Self.name(rules.counting)
        secondLimit = rules.secondLimit?.limit
        secondCounting = rules.secondLimit.map { Self.name($0.counting) }
        titleLimit = rules.titleLimit
        titleCounting = Self.name(rules.titleCounting)
        titleRequired = rules.titleRequired
        hashtagStyle = rules.hashtags.rawValue
        preferredLength = rules.preferredLength
        media = Media(
            maxCount: rules.media.maxCount, kinds: rules.media.kinds.map(\.rawValue).sorted(),
            maxBytes: Dictionary(uniqueKeysWithValues: rules.media.maxBytes.map { ($0.key.rawValue, $0.value) }),
            videoAlone: rules.media.videoAlone, required: rules.media.required.map(\.rawValue).sorted())
    }

    static func name(_ counting: LengthCounting) -> String {
        switch counting {
        case .graphemes: "graphemes"
        case .mastodon: "graphemes_links_23"
        case .halfWidth(.some): "weibo_half_width"
        case .halfWidth(nil): "half_width"
        case .utf8Bytes: "utf8_bytes"
        }
    }
}
