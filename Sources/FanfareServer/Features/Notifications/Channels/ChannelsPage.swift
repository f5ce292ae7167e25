import FanfareCore
import Fluent
import Foundation

/// 设置 → 通知渠道 as query → model → view: the list with a form to add
/// one, and each channel's page (its form, the test button, its delivery
/// log). Addresses show only their hint; secrets only "set".
enum ChannelsPage {
    /// The mail server's form (the password only "set").
    struct SMTPForm: Sendable, Equatable {
        var host = ""
        var port = "587"
        var security = "starttls"
        var username = ""
        var passwordSet = false
        var fromAddress = ""
    }

    struct Found: Sendable {
        struct Channel: Sendable, Equatable {
            var id: UUID
            var kind: String
            var name: String
            var addressHint: String
            var secretSet: Bool
            var enabled: Bool
            var eventKinds: [String]
            var minGrade: String?
            var monitorIDs: [UUID]
            var locale: String
        }
        struct Delivery: Sendable, Equatable {
            var at: Date
            var eventKind: String
            var state: String
            var attempts: Int
            var httpStatus: Int?
            var errorCode: String?
            var errorText: String?
        }
        var channels: [Channel] = []
        /// The workspace's mail server, on the list page.
        var smtp: SMTPForm?
        /// On a channel's own page: it, and its log's page.
        var channel: Channel?
        var deliveries: [Delivery] = []
        var nextCursor: String?
    }

    static func channel(_ row: NotifyChannelRecord) -> Found.Channel {
        let route = row.route
        return Found.Channel(
            id: row.id!, kind: row.kind, name: row.name, addressHint: row.addressHint, secretSet: row.channelKind?.signs ?? false,
            enabled: row.enabled,
            eventKinds: route.kinds.sorted(), minGrade: row.minGrade, monitorIDs: route.monitorIDs.sorted { $0.uuidString < $1.uuidString },
            locale: row.locale)
    }

    static func query(access: WorkspaceAccess, service: ChannelService) async throws -> Found {
        let smtp = try await service.smtp(in: access.workspaceID).map {
            SMTPForm(
                host: $0.host, port: String($0.port), security: $0.security, username: $0.username, passwordSet: !$0.sealedPassword.isEmpty,
                fromAddress: $0.fromAddress)
        }
        return Found(channels: try await service.list(in: access).map(channel), smtp: smtp)
    }

    static func query(channel row: NotifyChannelRecord, page: PageQuery, service: ChannelService) async throws -> Found {
        let (items, next) = try await service.deliveries(of: row, page: page)
        return Found(
            channel: channel(row),
            deliveries: items.map {
                Found.Delivery(
                    at: $0.createdAt, eventKind: $0.eventKind, state: $0.state, attempts: $0.attempts, httpStatus: $0.httpStatus,
                    errorCode: $0.errorCode,
                    errorText: $0.errorText)
            }, nextCursor: next)
    }

    struct Model: Sendable {
        struct Row: Sendable, Equatable {
            var href: String
            var name: String
            var kind: String
            var addressHint: String
            var route: String
            var stateLabel: String
            var tone: Badge.Tone
        }
        struct LogRow: Sendable, Equatable {
            var at: Date
            var event: String
            var stateLabel: String
            var tone: Badge.Tone
            var attempts: Int
            var http: String
            var error: String
            /// The receiver's or the guarded client's own sentence, kept as written.
            var errorDetail: String
        }
        /// The form's values (what was typed on a refused try, else the channel's).
        struct Form: Sendable, Equatable {
            var action: String
            var kind: String
            var kindFixed: Bool
            var name: String
            var secretSet: Bool
            var enabled: Bool
            var eventKinds: Set<String>
            var minGrade: String
            var monitorIDs: String
            var locale: String
        }
        var base: String
        var rows: [Row]
        var empty: Bool
        var form: Form
        var errors: FormErrors
        var generatedSecret: String?
        /// A channel's own page.
        var channelName: String?
        var testAction: String?
        var deleteAction: String?
        var log: [LogRow]
        var logMore: String?
        var smtp: SMTPForm
        var smtpAction: String
    }

    static func routeText(_ channel: Found.Channel, _ locale: UILocale) -> String {
        var parts = channel.eventKinds.map { I18n.text("notify.event.\($0)", locale) }.joined(separator: locale == .en ? ", " : "、")
        if let grade = channel.minGrade {
            parts += " · " + I18n.text("notify.route.grade_from", locale, [I18n.text("notify.grade.\(grade)", locale)])
        }
        if !channel.monitorIDs.isEmpty { parts += " · " + I18n.text("notify.route.monitors", locale, [String(channel.monitorIDs.count)]) }
        return parts
    }

    static func tone(ofState state: String) -> Badge.Tone {
        switch state {
        case "sent": .success
        case "failed": .warning
        case "gave_up": .danger
        default: .info
        }
    }

    static func model(
        _ found: Found, base: String, typed: Model.Form? = nil, errors: FormErrors = FormErrors(), generatedSecret: String? = nil, locale: UILocale
    ) -> Model {
        let rows = found.channels.map { channel in
            Model.Row(
                href: "\(base)/settings/channels/\(channel.id.uuidString)", name: channel.name,
                kind: I18n.text("notify.kind.\(channel.kind)", locale),
                addressHint: channel.addressHint, route: routeText(channel, locale),
                stateLabel: I18n.text(channel.enabled ? "notify.on" : "notify.off", locale),
                tone: channel.enabled ? .success : .neutral)
        }
        let form: Model.Form
        if let typed {
            form = typed
        } else if let channel = found.channel {
            form = Model.Form(
                action: "\(base)/settings/channels/\(channel.id.uuidString)", kind: channel.kind, kindFixed: true, name: channel.name,
                secretSet: channel.secretSet, enabled: channel.enabled, eventKinds: Set(channel.eventKinds), minGrade: channel.minGrade ?? "",
                monitorIDs: channel.monitorIDs.map(\.uuidString).joined(separator: "\n"), locale: channel.locale)
        } else {
            form = newForm(base: base)
        }
        let log = found.deliveries.map { delivery in
            Model.LogRow(
                at: delivery.at, event: I18n.text("notify.event.\(delivery.eventKind)", locale),
                stateLabel: I18n.text("notify.state.\(delivery.state)", locale), tone: tone(ofState: delivery.state), attempts: delivery.attempts,
                http: delivery.httpStatus.map(String.init) ?? "—", error: delivery.errorCode.map { I18n.text("notify.error.\($0)", locale) } ?? "",
                errorDetail: delivery.errorText ?? "")
        }
        let channelBase = found.channel.map { "\(base)/settings/channels/\($0.id.uuidString)" }
        return Model(
            base: base, rows: rows, empty: rows.isEmpty && found.channel == nil, form: form, errors: errors, generatedSecret: generatedSecret,
            channelName: found.channel?.name, testAction: channelBase.map { $0 + "/test" }, deleteAction: channelBase.map { $0 + "/delete" },
            log: log,
            logMore: found.nextCursor.flatMap { cursor in channelBase.map { "\($0)?cursor=\(cursor)" } }, smtp: found.smtp ?? SMTPForm(),
            smtpAction: "\(base)/settings/channels/smtp")
    }

    static func newForm(base: String) -> Model.Form {
        Model.Form(
            action: "\(base)/settings/channels", kind: NotifyChannelKindName.first, kindFixed: false, name: "", secretSet: false, enabled: true,
            eventKinds: Set(ChannelService.eventKinds), minGrade: "", monitorIDs: "", locale: UILocale.zhHans.rawValue)
    }

    enum NotifyChannelKindName {
        static var first: String { ChannelService.kinds.first ?? "" }
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let secretBox: HTML =
            model.generatedSecret.map { secret in
                """
                <section class="card highlight" id="generated-secret"><p>\(ctx.t("notify.generated_secret"))</p>\
                <input type="text" readonly class="wide" value="\(secret)" translate="no"></section>
                """
            } ?? .empty
        if let name = model.channelName { return channelView(model, name: name, secretBox: secretBox, ctx) }
        let rows = model.rows.map { row -> HTML in
            """
            <tr><td><a href="\(row.href)" translate="no">\(row.name)</a><br><small>\(row.kind)</small></td>\
            <td><code translate="no" class="break">\(row.addressHint)</code></td><td>\(row.route)</td>\
            <td>\(Badge.html(row.stateLabel, tone: row.tone))</td></tr>
            """
        }
        let list: HTML =
            model.empty
            ? "<div class=\"empty-state\" id=\"no-channels\"><p>\(ctx.t("notify.none"))</p><p>\(ctx.t("notify.none_hint"))</p></div>"
            : """
            <div class="table-scroll"><table id="channel-list"><thead><tr><th>\(ctx.t("notify.col.channel"))</th><th>\(ctx.t("notify.field.address"))</th>\
            <th>\(ctx.t("notify.col.route"))</th><th>\(ctx.t("notify.col.state"))</th></tr></thead><tbody>\(HTML.join(rows))</tbody></table></div>
            """
        return """
            <h1>\(ctx.t("notify.title"))</h1>
            <p>\(ctx.t("notify.intro"))</p>
            \(secretBox)
            \(list)
            <section class="card narrow">\(form(model, heading: ctx.t("notify.new"), submit: ctx.t("notify.create"), id: "new-channel-form", ctx))</section>
            <section class="card narrow">\(smtpForm(model, ctx))</section>
            """
    }

    /// The mail server email channels send through.
    private static func smtpForm(_ model: Model, _ ctx: PageContext) -> HTML {
        let smtp = model.smtp
        let errors = model.errors
        let fields: [HTML] = [
            "<p>\(ctx.t("notify.smtp_intro"))</p>",
            Layout.field(ctx, name: "smtp_host", label: ctx.t("notify.smtp.host"), value: smtp.host, errors: errors),
            Layout.field(ctx, name: "smtp_port", label: ctx.t("notify.smtp.port"), type: "number", value: smtp.port, errors: errors),
            Layout.select(
                ctx, name: "smtp_security", label: ctx.t("notify.smtp.security"),
                options: ChannelService.securities.map { ($0, ctx.t("notify.smtp.security.\($0)")) }, selected: smtp.security, errors: errors),
            Layout.field(
                ctx, name: "smtp_username", label: ctx.t("notify.smtp.username"), value: smtp.username, errors: errors, required: false,
                autocomplete: "off"),
            Layout.field(
                ctx, name: "smtp_password", label: ctx.t("notify.smtp.password"), type: "password", errors: errors, required: false,
                hint: smtp.passwordSet ? ctx.t("notify.smtp.password_keep") : nil, autocomplete: "new-password"),
            Layout.field(
                ctx, name: "smtp_from_address", label: ctx.t("notify.smtp.from_address"), type: "email", value: smtp.fromAddress, errors: errors),
        ]
        return FormPage.post(
            ctx, id: "smtp-form", heading: ctx.t("notify.smtp"), action: model.smtpAction, errors: errors, fields: fields,
            submit: ctx.t("notify.save"))
    }

    private static func channelView(_ model: Model, name: String, secretBox: HTML, _ ctx: PageContext) -> HTML {
        let rows = model.log.map { row -> HTML in
            let detail: HTML = row.errorDetail.isEmpty ? .empty : "<br><small translate=\"no\">\(row.errorDetail)</small>"
            return """
                <tr><td>\(Layout.time(row.at, ctx))</td><td>\(row.event)</td><td>\(Badge.html(row.stateLabel, tone: row.tone))</td>\
                <td>\(row.attempts)</td><td>\(row.http)</td><td>\(row.error)\(detail)</td></tr>
                """
        }
        let log: HTML =
            rows.isEmpty
            ? "<p class=\"empty\" id=\"no-deliveries\">\(ctx.t("notify.log_none"))</p>"
            : """
            <div class="table-scroll"><table id="delivery-log"><thead><tr><th>\(ctx.t("notify.log.at"))</th><th>\(ctx.t("notify.log.event"))</th>\
            <th>\(ctx.t("notify.col.state"))</th><th>\(ctx.t("notify.log.attempts"))</th><th>\(ctx.t("notify.log.http"))</th>\
            <th>\(ctx.t("notify.log.error"))</th></tr></thead><tbody>\(HTML.join(rows))</tbody></table></div>
            """
        let more: HTML = model.logMore.map { "<p><a href=\"\($0)\" id=\"log-more\">\(ctx.t("notify.log.more"))</a></p>" } ?? .empty
        let test: HTML =
            model.testAction.map {
                "<form method=\"post\" action=\"\($0)\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" id=\"test-channel\">\(ctx.t("notify.test"))</button></form>"
            } ?? .empty
        let delete: HTML =
            model.deleteAction.map {
                "<form method=\"post\" action=\"\($0)\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"danger\" id=\"delete-channel\">\(ctx.t("notify.delete"))</button></form>"
            } ?? .empty
        return """
            <p><a href="\(model.base)/settings/channels">\(ctx.t("notify.back"))</a></p>
            <h1 translate="no">\(name)</h1>
            \(secretBox)
            <p>\(test) \(delete)</p>
            <section class="card narrow">\(form(model, heading: ctx.t("notify.save"), submit: ctx.t("notify.save"), id: "channel-form", ctx))</section>
            <h2>\(ctx.t("notify.log"))</h2>
            \(log)
            \(more)
            """
    }

    private static func form(_ model: Model, heading: String, submit: String, id: String, _ ctx: PageContext) -> HTML {
        let form = model.form
        let errors = model.errors
        let kindField: HTML =
            form.kindFixed
            ? "<p><strong>\(ctx.t("notify.field.kind"))</strong> \(ctx.t("notify.kind.\(form.kind)"))</p>"
            : Layout.select(
                ctx, name: "kind", label: ctx.t("notify.field.kind"), options: ChannelService.kinds.map { ($0, ctx.t("notify.kind.\($0)")) },
                selected: form.kind, errors: errors)
        let grades = [("", ctx.t("notify.field.min_grade_any"))] + ChannelService.grades.map { ($0, ctx.t("notify.grade.\($0)")) }
        let fields: [HTML] = [
            kindField,
            Layout.field(ctx, name: "name", label: ctx.t("notify.field.name"), value: form.name, errors: errors),
            Layout.field(
                ctx, name: "address", label: ctx.t("notify.field.address"), type: "url", errors: errors, required: !form.kindFixed,
                hint: ctx.t(form.kindFixed ? "notify.field.address_keep" : "notify.field.address_hint"), autocomplete: "off"),
            Layout.field(
                ctx, name: "secret", label: ctx.t("notify.field.secret"), type: "password", errors: errors, required: false,
                hint: ctx.t(form.secretSet && form.kindFixed ? "notify.field.secret_keep" : "notify.field.secret_hint"), autocomplete: "new-password"),
            Forms.checkboxes(
                ctx, name: "event_kinds", legend: ctx.t("notify.field.event_kinds"),
                options: ChannelService.eventKinds.map { ($0, ctx.t("notify.event.\($0)")) }, checked: form.eventKinds, errors: errors),
            Layout.select(ctx, name: "min_grade", label: ctx.t("notify.field.min_grade"), options: grades, selected: form.minGrade, errors: errors),
            Forms.textarea(
                ctx, name: "monitor_ids", label: ctx.t("notify.field.monitor_ids"), value: form.monitorIDs, errors: errors, rows: 2, required: false,
                hint: ctx.t("notify.field.monitor_ids_hint")),
            Layout.select(
                ctx, name: "locale", label: ctx.t("notify.field.locale"),
                options: UILocale.allCases.map { ($0.rawValue, ctx.t("notify.locale.\($0.rawValue)")) }, selected: form.locale, errors: errors),
            Forms.checkbox(ctx, name: "enabled", label: ctx.t("notify.field.enabled"), checked: form.enabled, errors: errors),
        ]
        return FormPage.post(ctx, id: id, heading: heading, action: form.action, errors: errors, fields: fields, submit: submit)
    }
}
