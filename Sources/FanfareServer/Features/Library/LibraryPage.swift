import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The content library as query → model → view: the cadence against its
/// targets (each warning told from its code and numbers), the topic
/// library with its hot-topic fast track, and the assets with their
/// rights. `model` and `view` are tested without a database.
enum LibraryPage {
    /// What the database answered.
    struct Found: Sendable {
        struct TopicRow: Sendable, Equatable {
            var id: String
            var title: String
            var notes: String
            var hot: Bool
            var status: String
            var raisedAt: Date
        }
        struct AssetRow: Sendable, Equatable {
            var id: String = ""
            var name: String
            var kind: String
            var source: String
            var licence: String
            var expiresAt: Date?
            var proof: String?
            /// Why it may not be published now.
            var problem: CodedMessage?
            /// Uploaded files only.
            var format: MediaFormat? = nil
            var width: Int? = nil
            var height: Int? = nil
            var hasThumbnail = false
            var altText: String? = nil
        }
        var cadence: [CadenceWarning] = []
        var topics: [TopicRow] = []
        var assets: [AssetRow] = []
        var timeZone = TimeZone.gmt
    }

    struct Model: Sendable {
        struct Topic: Sendable, Equatable {
            var id: String
            var title: String
            var notes: String
            var hot: Bool
            var deadline: Date?
            var status: String
            var statusLabel: String
            var tone: Badge.Tone
            var statusAction: String?
        }
        struct Asset: Sendable, Equatable {
            var name: String
            /// A picture to show in the register (uploaded files), the file
            /// itself, and what it is: "PNG · 1200 × 800".
            var preview: String? = nil
            var fileHref: String? = nil
            var fileFacts: String? = nil
            var altText: String? = nil
            var kind: String
            var source: String
            var licence: String
            var expiresAt: Date?
            var proof: String?
            var usable: Bool
            var problem: String?
        }
        var cadence: [(code: String, text: String)]
        var topics: [Topic]
        var assets: [Asset]
        var canEdit: Bool
        var values: [String: String]
        var errors: FormErrors
        var base: String
        var kinds: [(value: String, label: String)]
        var licences: [(value: String, label: String)]
    }

    /// Three hand-written statements into plain values: the topics, the
    /// assets, and the last 120 days' posts with each one's first
    /// publication (before: four Fluent queries filling every topic, asset,
    /// post and every published variant of the workspace as models).
    static func query(access: WorkspaceAccess, now: Date = Date(), on db: any Database) async throws -> Found {
        guard let sql = db as? any SQLDatabase else { return Found(timeZone: access.workspace.zone) }
        let text = SQLRows.uuidsAsText(sql)
        let workspaceID = access.workspaceID
        let topics = try await sql.raw(
            """
            SELECT id, title, notes, hot, status, raised_at FROM topics WHERE workspace_id = \(bind: workspaceID) ORDER BY id DESC LIMIT 200
            """
        ).all().map { row in
            Found.TopicRow(
                id: try SQLRows.uuid(row, "id", asText: text).uuidString, title: try row.decode(column: "title", as: String.self),
                notes: try row.decode(column: "notes", as: String.self), hot: try row.decode(column: "hot", as: Bool.self),
                status: try row.decode(column: "status", as: String.self), raisedAt: try row.decode(column: "raised_at", as: Date.self))
        }
        let assets = try await sql.raw(
            """
            SELECT id, name, kind, source, licence, licence_expires_at, proof, storage_key, format, width, height, thumbnail_key, alt_text \
            FROM assets WHERE workspace_id = \(bind: workspaceID) ORDER BY id DESC LIMIT 200
            """
        ).all().map { row in
            let kind = try row.decode(column: "kind", as: String.self)
            let source = try row.decode(column: "source", as: String.self)
            let licence = try row.decode(column: "licence", as: String.self)
            let expiresAt = try row.decode(column: "licence_expires_at", as: Date?.self)
            let proof = try row.decode(column: "proof", as: String?.self)
            let stored = try row.decode(column: "storage_key", as: String?.self) != nil
            let entry = AssetLicence(source: source, licence: LicenceKind(rawValue: licence) ?? .unknown, expiresAt: expiresAt, proof: proof)
            return Found.AssetRow(
                id: try SQLRows.uuid(row, "id", asText: text).uuidString.lowercased(), name: try row.decode(column: "name", as: String.self),
                kind: kind, source: source, licence: licence, expiresAt: expiresAt, proof: proof,
                problem: AssetRights.problem(for: entry, at: now),
                format: stored ? try row.decode(column: "format", as: String?.self).flatMap { MediaFormat(rawValue: $0) } : nil,
                width: try row.decode(column: "width", as: Int?.self), height: try row.decode(column: "height", as: Int?.self),
                hasThumbnail: try row.decode(column: "thumbnail_key", as: String?.self) != nil || (stored && kind != "video"),
                altText: try row.decode(column: "alt_text", as: String?.self))
        }
        // Each post's earliest publication among its published variants.
        let items = try await sql.raw(
            """
            SELECT p.pillar, p.format, p.pool, p.scheduled_at, \
            (SELECT MIN(v.published_at) FROM post_variants v WHERE v.post_id = p.id AND v.workspace_id = \(bind: workspaceID) \
            AND v.state = \(bind: PostVariant.State.published.rawValue)) AS published_at \
            FROM posts p WHERE p.workspace_id = \(bind: workspaceID) AND p.created_at >= \(bind: now.addingTimeInterval(-120 * 86_400))
            """
        ).all().map { row in
            CadenceItem(
                pillar: Pillar(rawValue: try row.decode(column: "pillar", as: String.self)),
                format: ContentFormat(rawValue: try row.decode(column: "format", as: String.self)),
                pool: ContentPool(rawValue: try row.decode(column: "pool", as: String.self)) ?? .regular,
                scheduledAt: try row.decode(column: "scheduled_at", as: Date?.self),
                publishedAt: try row.decode(column: "published_at", as: Date?.self))
        }
        return Found(
            cadence: CadenceCheck.warnings(items: items, weekOf: now, timeZone: access.workspace.zone), topics: topics, assets: assets,
            timeZone: access.workspace.zone)
    }

    /// A cadence warning from its code and numbers; an unknown code keeps
    /// the Core's sentence (translated where the table knows it).
    static func cadence(_ warning: CadenceWarning, _ locale: UILocale) -> String {
        func count(_ value: Double?) -> String { value.map { String(Int($0.rounded())) } ?? "" }
        func percent(_ value: Double?) -> String { value.map { "\(Int(($0 * 100).rounded()))%" } ?? "" }
        switch warning.code {
        case "reserve.low":
            return I18n.text("library.cadence.reserve_low", locale, [count(warning.measured), count(warning.targetMin)])
        case "premium.weekly_low", "premium.weekly_high", "light.weekly_low", "light.weekly_high":
            let key = "library.cadence." + warning.code.replacingOccurrences(of: ".", with: "_")
            return I18n.text(key, locale, [count(warning.measured), count(warning.targetMin), count(warning.targetMax)])
        case "pillar_mix.off":
            let pillar = warning.pillar.map { I18n.text("pillar." + $0.rawValue, locale) } ?? ""
            return I18n.text(
                "library.cadence.pillar_mix_off", locale, [pillar, percent(warning.measured), percent(warning.targetMin), percent(warning.targetMax)])
        default:
            return warning.text(locale)
        }
    }

    /// `base` is the library's path (`/w/{ws}/library`).
    static func model(_ found: Found, values: [String: String], errors: FormErrors, base: String, canEdit: Bool, locale: UILocale) -> Model {
        func t(_ key: String) -> String { I18n.text(key, locale) }
        func known(_ key: String, _ fallback: String) -> String {
            let text = I18n.text(key, locale)
            return text == key ? fallback : text
        }
        let topics = found.topics.map { topic in
            Model.Topic(
                id: topic.id, title: topic.title, notes: topic.notes, hot: topic.hot,
                deadline: topic.hot ? HotTopic.deadline(raisedAt: topic.raisedAt) : nil, status: topic.status,
                statusLabel: known("topic.status." + topic.status, topic.status),
                tone: topic.status == Topic.Status.open.rawValue ? .info : topic.status == Topic.Status.used.rawValue ? .success : .neutral,
                statusAction: canEdit && topic.status == Topic.Status.open.rawValue ? "\(base)/topics/\(topic.id)/status" : nil)
        }
        let assets = found.assets.map { asset in
            Model.Asset(
                name: asset.name, preview: asset.hasThumbnail ? "\(base)/assets/\(asset.id)/thumbnail" : nil,
                fileHref: asset.format == nil ? nil : "\(base)/assets/\(asset.id)/file",
                fileFacts: asset.format.map { format in
                    [format.displayName, asset.width.flatMap { w in asset.height.map { "\(w) × \($0)" } }].compactMap { $0 }.joined(separator: " · ")
                }, altText: asset.altText, kind: known("media.kind." + asset.kind, asset.kind), source: asset.source,
                licence: known("licence." + asset.licence, asset.licence), expiresAt: asset.expiresAt, proof: asset.proof.nonEmpty,
                usable: asset.problem == nil, problem: asset.problem.map { LibraryVocabulary.rightsProblem($0, locale, in: found.timeZone) })
        }
        return Model(
            cadence: found.cadence.map { ($0.code, cadence($0, locale)) }, topics: topics, assets: assets, canEdit: canEdit, values: values,
            errors: errors, base: base, kinds: MediaKind.allCases.map { ($0.rawValue, t("media.kind." + $0.rawValue)) },
            licences: LicenceKind.allCases.map { ($0.rawValue, t("licence." + $0.rawValue)) })
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let values = model.values
        let errors = model.errors
        let cadenceList: HTML =
            model.cadence.isEmpty
            ? "<p class=\"ok\" id=\"cadence-ok\">\(ctx.t("library.cadence_ok"))</p>"
            : "<ul id=\"cadence-warnings\">\(model.cadence.map { w -> HTML in "<li data-code=\"\(w.code)\">\(w.text)</li>" })</ul>"
        let topicRows = model.topics.map { topic -> HTML in
            let due: HTML =
                topic.deadline.map { deadline -> HTML in
                    " \(Badge.html("🔥 \(ctx.t("library.publish_by"))", tone: .danger, classes: "hot")) \(Layout.time(deadline, ctx))"
                } ?? .empty
            let actions: HTML =
                topic.statusAction.map { action -> HTML in
                    """
                    <form method="post" action="\(action)" class="inline">\(ctx.csrfField)<input type="hidden" name="status" value="used"><button type="submit" class="link">\(ctx.t("library.mark_used"))</button></form>
                    <form method="post" action="\(action)" class="inline">\(ctx.csrfField)<input type="hidden" name="status" value="dropped"><button type="submit" class="link">\(ctx.t("library.drop"))</button></form>
                    """
                } ?? .empty
            return """
                <tr data-status="\(topic.status)"><td><span translate="no">\(topic.title)</span>\(due)</td><td translate="no">\(topic.notes)</td>\
                <td>\(Badge.html(topic.statusLabel, tone: topic.tone))</td><td>\(actions)</td></tr>
                """
        }
        let topicTable: HTML =
            topicRows.isEmpty
            ? "<p class=\"empty\" id=\"topics-empty\">\(ctx.t(model.canEdit ? "library.topics_none" : "library.topics_none_reader"))</p>"
            : """
            <div class="table-scroll"><table id="topic-list"><thead><tr><th>\(ctx.t("library.topic_title"))</th><th>\(ctx.t("library.notes"))</th>\
            <th>\(ctx.t("library.topic_status"))</th><th></th></tr></thead><tbody>\(topicRows)</tbody></table></div>
            """
        let assetRows = model.assets.map { asset -> HTML in
            let state: HTML =
                asset.problem.map { problem -> HTML in
                    "\(Badge.html(ctx.t("library.not_usable"), tone: .danger)) <small class=\"error\">\(problem)</small>"
                }
                ?? Badge.html(ctx.t("library.usable"), tone: .success)
            let thumbnail: HTML =
                asset.preview.map { src -> HTML in
                    "<img class=\"asset-thumb\" src=\"\(src)\" alt=\"\(asset.altText ?? "")\" loading=\"lazy\" width=\"64\" height=\"64\">"
                } ?? (asset.fileHref != nil ? "<span class=\"asset-thumb asset-thumb-video\" aria-hidden=\"true\">▶</span>" : .empty)
            let name: HTML =
                asset.fileHref.map { href -> HTML in
                    "<span class=\"asset-label\"><a href=\"\(href)\" translate=\"no\">\(asset.name)</a>\(asset.fileFacts.map { f -> HTML in "<small class=\"muted\" translate=\"no\">\(f)</small>" })</span>"
                } ?? "<span translate=\"no\">\(asset.name)</span>"
            return """
                <tr><td class="asset-name">\(thumbnail)\(name)</td><td>\(asset.kind)</td><td translate="no">\(asset.source)</td><td>\(asset.licence)</td>\
                <td>\(Layout.time(asset.expiresAt, ctx))</td><td translate="no">\(asset.proof ?? "—")</td><td>\(state)</td></tr>
                """
        }
        let assetTable: HTML =
            assetRows.isEmpty
            ? "<p class=\"empty\" id=\"assets-empty\">\(ctx.t(model.canEdit ? "library.assets_none" : "library.assets_none_reader"))</p>"
            : """
            <div class="table-scroll"><table id="asset-register"><thead><tr><th>\(ctx.t("field.name"))</th><th>\(ctx.t("library.kind"))</th>\
            <th>\(ctx.t("library.source"))</th><th>\(ctx.t("library.licence"))</th><th>\(ctx.t("library.expires"))</th><th>\(ctx.t("library.proof"))</th>\
            <th>\(ctx.t("library.rights"))</th></tr></thead><tbody>\(assetRows)</tbody></table></div>
            """
        let topicForm: HTML =
            model.canEdit
            ? """
            <form method="post" action="\(model.base)/topics" id="topic-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "title", label: ctx.t("library.topic_title"), value: values["title"] ?? "", errors: errors))
            \(Layout.field(ctx, name: "notes", label: ctx.t("library.notes"), value: values["notes"] ?? "", errors: errors, required: false))
            <label class="check"><input type="checkbox" name="hot" value="1"\(values["hot"] == "1" ? HTML(raw: " checked") : .empty)> \(ctx.t("library.hot"))</label>
            <button type="submit">\(ctx.t("library.add_topic"))</button></form>
            """
            : .empty
        let uploadForm: HTML =
            model.canEdit
            ? """
            <form method="post" action="\(model.base)/assets/upload" id="upload-form" class="grid-form" enctype="multipart/form-data">\(ctx.csrfField)
            <div class="field\(errors["file"] != nil ? " has-error" : "")"><label for="upload-file">\(ctx.t("library.file"))</label>\
            <input type="file" id="upload-file" name="file" required accept="image/jpeg,image/png,image/gif,image/webp,video/mp4,video/quicktime">\
            <small class="hint">\(ctx.t("library.file_hint"))</small>\(errors["file"].map { e -> HTML in "<small class=\"error\" id=\"file-error\">\(e.text(ctx.locale))</small>" })</div>
            <input type="file" name="thumbnail" id="upload-thumbnail" hidden>
            \(Layout.field(ctx, name: "alt_text", label: ctx.t("library.alt_text"), value: values["alt_text"] ?? "", errors: errors, required: false, hint: ctx.t("library.alt_text_hint")))
            \(Layout.field(ctx, name: "source", label: ctx.t("library.source"), value: values["upload"] == "1" ? values["source"] ?? "" : "", errors: errors, required: false))
            \(Layout.select(ctx, name: "licence", label: ctx.t("library.licence"), options: model.licences, selected: values["licence"] ?? "unknown", errors: errors))
            \(Layout.field(ctx, name: "licence_expires_at", label: ctx.t("library.expires"), type: "date", value: values["licence_expires_at"] ?? "", errors: errors, required: false))
            \(Layout.field(ctx, name: "proof", label: ctx.t("library.proof"), value: values["proof"] ?? "", errors: errors, required: false))
            <button type="submit">\(ctx.t("library.upload"))</button></form>
            <script src="/static/library.js" defer></script>
            """
            : .empty
        let assetForm: HTML =
            model.canEdit
            ? """
            <details id="register-by-address"\(values["upload"] != "1" && !errors.isEmpty ? HTML(raw: " open") : .empty)><summary>\(ctx.t("library.register_by_address"))</summary>
            <form method="post" action="\(model.base)/assets" id="asset-form" class="grid-form">\(ctx.csrfField)
            \(Layout.field(ctx, name: "name", label: ctx.t("field.name"), value: values["name"] ?? "", errors: errors))
            \(Layout.select(ctx, name: "kind", label: ctx.t("library.kind"), options: model.kinds, selected: values["kind"] ?? "image", errors: errors))
            \(Layout.field(ctx, name: "bytes", label: ctx.t("library.bytes"), type: "number", value: values["bytes"] ?? "", errors: errors, required: false))
            \(Layout.field(ctx, name: "location", label: ctx.t("library.location"), value: values["location"] ?? "", errors: errors, hint: ctx.t("library.location_hint")))
            \(Layout.field(ctx, name: "source", label: ctx.t("library.source"), value: values["source"] ?? "", errors: errors, required: false))
            \(Layout.select(ctx, name: "licence", label: ctx.t("library.licence"), options: model.licences, selected: values["licence"] ?? "unknown", errors: errors))
            \(Layout.field(ctx, name: "licence_expires_at", label: ctx.t("library.expires"), type: "date", value: values["licence_expires_at"] ?? "", errors: errors, required: false))
            \(Layout.field(ctx, name: "proof", label: ctx.t("library.proof"), value: values["proof"] ?? "", errors: errors, required: false))
            <button type="submit">\(ctx.t("library.add_asset"))</button></form></details>
            """
            : .empty
        return """
            <h1>\(ctx.t("library.title"))</h1>
            <p id="library-tabs"><a href="\(model.base)/hits" id="hits-tab">\(ctx.t("library.hits_tab"))</a></p>
            \(Layout.errorSummary(ctx, errors))
            <section class="card" id="cadence"><h2>\(ctx.t("library.cadence"))</h2>\(cadenceList)</section>
            <section class="card" id="topics"><h2>\(ctx.t("library.topics"))</h2>
            \(topicTable)
            \(topicForm)</section>
            <section class="card" id="assets"><h2>\(ctx.t("library.assets"))</h2>
            \(assetTable)
            \(uploadForm)
            \(assetForm)</section>
            """
    }
}
