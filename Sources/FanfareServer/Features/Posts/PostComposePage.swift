import FanfareCore
import Fluent
import Vapor

/// Writing a post and editing it, as query → model → view: the accounts
/// it can go to, the open topics and the library's assets are read;
/// `model` decides the choices in the reader's language (an asset that
/// may not be used says why); `view` draws the form with its live
/// counters and sensitive-word panel (compose.js).
enum PostComposePage {
    /// What the form offers, as stored.
    struct Found: Sendable {
        struct Account: Sendable, Equatable {
            var id: String
            var name: String
            var platform: String
            var handle: String
        }
        struct TopicChoice: Sendable, Equatable {
            var id: String
            var title: String
            var hot: Bool
        }
        struct AssetChoice: Sendable, Equatable {
            var id: String
            var name: String
            var kind: String
            /// Why it may not be published now.
            var problem: CodedMessage?
        }
        var accounts: [Account] = []
        var topics: [TopicChoice] = []
        var assets: [AssetChoice] = []
        var timeZone = TimeZone.gmt
    }

    struct Model: Sendable {
        struct Choice: Sendable, Equatable {
            var value: String
            var label: String
            var detail: String
            var checked: Bool
            var platform: String = ""
            var handle: String = ""
            var problem: String?
        }
        var editing: Bool
        var heading: String
        var action: String
        var previewHref: String
        var checkHref: String
        var accountsHref: String
        var libraryHref: String
        var values: [String: String]
        var errors: FormErrors
        var accounts: [Choice]
        var assets: [Choice]
        var topics: [(value: String, label: String, hot: Bool)]
        var pillars: [(value: String, label: String)]
        var formats: [(value: String, label: String)]
        var pools: [(value: String, label: String)]
    }

    static func query(access: WorkspaceAccess, now: Date = Date(), on db: any Database) async throws -> Found {
        let accounts = try await access.query(SocialAccount.self, on: db).sort(\.$id).all()
        let topics = try await access.query(Topic.self, on: db).filter(\.$status == Topic.Status.open.rawValue).sort(\.$id, .descending).all()
        let assets = try await access.query(Asset.self, on: db).sort(\.$id, .descending).limit(100).all()
        return Found(
            accounts: accounts.map { .init(id: $0.id!.uuidString, name: $0.displayName, platform: $0.rulesPlatform, handle: $0.handle) },
            topics: topics.map { .init(id: $0.id!.uuidString, title: $0.title, hot: $0.hot) },
            assets: assets.map {
                .init(id: $0.id!.uuidString, name: $0.name, kind: $0.kind, problem: AssetRights.problem(for: $0.licenceEntry, at: now))
            },
            timeZone: access.workspace.zone)
    }

    /// `base` is the workspace's path (`/w/{ws}`); `postID` the post being
    /// edited, nil for a new one.
    static func model(
        postID: String?, values: PostPages.FormValues, errors: FormErrors, _ found: Found, base: String, locale: UILocale
    ) -> Model {
        func t(_ key: String) -> String { I18n.text(key, locale) }
        let accounts = found.accounts.map { account in
            Model.Choice(
                value: account.id, label: account.name, detail: PostVocabulary.known("platform." + account.platform, locale) ?? account.platform,
                checked: values.accounts.contains(account.id), platform: account.platform, handle: account.handle)
        }
        let assets = found.assets.map { asset in
            Model.Choice(
                value: asset.id, label: asset.name, detail: PostVocabulary.known("media.kind." + asset.kind, locale) ?? asset.kind,
                checked: values.assets.contains(asset.id),
                problem: asset.problem.map { LibraryVocabulary.rightsProblem($0, locale, in: found.timeZone) })
        }
        var fields = values.fields
        fields["pillar"] = fields["pillar"].nonEmpty ?? Pillar.basic.rawValue
        fields["format"] = fields["format"].nonEmpty ?? ContentFormat.imageText.rawValue
        fields["pool"] = fields["pool"].nonEmpty ?? ContentPool.regular.rawValue
        return Model(
            editing: postID != nil, heading: t(postID == nil ? "posts.new" : "posts.edit"),
            action: postID.map { "\(base)/posts/\($0)" } ?? "\(base)/posts", previewHref: "\(base)/posts/preview",
            checkHref: "\(base)/moderation/check", accountsHref: "\(base)/accounts", libraryHref: "\(base)/library", values: fields, errors: errors,
            accounts: accounts, assets: assets, topics: found.topics.map { ($0.id, $0.title, $0.hot) },
            pillars: Pillar.allCases.map { ($0.rawValue, t("pillar." + $0.rawValue)) },
            formats: ContentFormat.allCases.map { ($0.rawValue, t("format." + $0.rawValue)) },
            pools: ContentPool.allCases.map { ($0.rawValue, t("pool." + $0.rawValue)) })
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let v = model.values
        let errors = model.errors
        func error(_ field: String) -> HTML {
            errors[field].map { e -> HTML in "<small class=\"error\" id=\"\(field)-error\">\(e.text(ctx.locale))</small>" } ?? .empty
        }
        let accountBoxes = model.accounts.map { account -> HTML in
            """
            <label class="check"><input type="checkbox" name="account_ids[]" value="\(account.value)" data-platform="\(account.platform)" data-handle="\(account.handle)"\(account.checked ? HTML(raw: " checked") : .empty)> \
            <span translate="no">\(account.label)</span> \(Badge.platform(account.platform, ctx.locale)) <span class="muted" translate="no">@\(account.handle)</span></label>
            """
        }
        let noAccounts: HTML =
            model.accounts.isEmpty
            ? "<p class=\"empty\" id=\"no-accounts\">\(ctx.t("posts.no_accounts")) <a href=\"\(model.accountsHref)\">\(ctx.t("posts.connect_account"))</a></p>"
            : .empty
        let assetBoxes = model.assets.map { asset -> HTML in
            """
            <label class="check"><input type="checkbox" name="asset_ids[]" value="\(asset.value)"\(asset.checked ? HTML(raw: " checked") : .empty)> \
            <span translate="no">\(asset.label)</span> <span class="muted">\(asset.detail)</span>\(asset.problem.map { p -> HTML in " <small class=\"error\">\(p)</small>" })</label>
            """
        }
        let noAssets: HTML =
            model.assets.isEmpty
            ? "<p class=\"muted\" id=\"no-assets\">\(ctx.t("posts.no_assets")) <a href=\"\(model.libraryHref)#assets\">\(ctx.t("posts.open_library"))</a></p>"
            : .empty
        func select(_ name: String, _ label: String, _ options: [(value: String, label: String)]) -> HTML {
            Layout.select(ctx, name: name, label: label, options: options, selected: v[name] ?? "", errors: errors)
        }
        // Topic titles are what people typed: each option is kept out of translation.
        let topicOptions = HTML.join(
            [HTML("<option value=\"\">\(ctx.t("posts.no_topic"))</option>")]
                + model.topics.map { topic -> HTML in
                    let selected = topic.value == (v["topic_id"] ?? "") ? HTML(raw: " selected") : .empty
                    let hot: HTML = topic.hot ? HTML("🔥 ") : .empty
                    return "<option value=\"\(topic.value)\" translate=\"no\"\(selected)>\(hot)\(topic.label)</option>"
                })
        return """
            <h1>\(model.heading)</h1>
            \(Layout.errorSummary(ctx, errors))
            <form method="post" action="\(model.action)" id="compose-form" class="compose" data-preview="\(model.previewHref)">\(ctx.csrfField)
            <div class="compose-main">
            \(Layout.field(ctx, name: "title", label: ctx.t("post.title"), value: v["title"] ?? "", errors: errors, required: false, hint: ctx.t("post.title_hint")))
            <div class="field\(errors["body"] != nil ? " has-error" : "")"><label for="body">\(ctx.t("post.body"))</label>
            <textarea id="body" name="body" rows="8" required translate="no">\(v["body"] ?? "")</textarea>
            \(error("body"))</div>
            \(Layout.field(ctx, name: "tags", label: ctx.t("post.tags"), value: v["tags"] ?? "", errors: errors, required: false, hint: ctx.t("post.tags_hint")))
            <fieldset class="field\(errors["account_ids"] != nil ? " has-error" : "")" id="account-choice"><legend>\(ctx.t("post.accounts"))</legend>\(accountBoxes)\(noAccounts)
            \(error("account_ids"))</fieldset>
            <section id="sensitive" aria-live="polite" class="sensitive" data-check="\(model.checkHref)" data-none="\(ctx.t("compose.sensitive_none"))" data-blocked="\(ctx.t("compose.sensitive_blocked"))"><h2>\(ctx.t("compose.sensitive_title"))</h2><div class="found"></div></section>
            <section id="counters" aria-live="polite" class="counters"></section>
            </div>
            <div class="compose-side">
            \(select("pillar", ctx.t("post.pillar"), model.pillars))
            \(select("format", ctx.t("post.format"), model.formats))
            \(select("pool", ctx.t("post.pool"), model.pools))
            <div class="field\(errors["topic_id"] != nil ? " has-error" : "")"><label for="topic_id">\(ctx.t("post.topic"))</label>
            <select id="topic_id" name="topic_id">\(topicOptions)</select>\(error("topic_id"))</div>
            \(Layout.field(ctx, name: "campaign", label: ctx.t("post.campaign"), value: v["campaign"] ?? "", errors: errors, required: false, hint: ctx.t("post.campaign_help")))
            <fieldset class="field\(errors["asset_ids"] != nil ? " has-error" : "")" id="asset-choice"><legend>\(ctx.t("post.assets"))</legend>\(assetBoxes)\(noAssets)
            \(error("asset_ids"))</fieldset>
            </div>
            <div class="actions"><button type="submit" class="primary" id="save-post">\(ctx.t("posts.save_draft"))</button></div>
            </form>
            <script src="/static/compose.js" defer></script>
            """
    }
}
