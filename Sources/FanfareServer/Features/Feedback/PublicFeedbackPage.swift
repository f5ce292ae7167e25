import FanfareCore
import Foundation

/// The fans' feedback pages (the form, a receipt, the adopted suggestions)
/// as model → view; the routes read the workspace and the tickets. The
/// brand's name and what fans and the team wrote are kept out of
/// translation.
enum PublicFeedbackPage {
    struct Form: Sendable {
        var brand: String
        var action: String
        var values: [String: String]
        var errors: FormErrors
        var kinds: [(value: String, label: String)]
    }

    struct Receipt: Sendable {
        var title: String
        var brand: String
        var number: Int
        var kind: FeedbackPage.Label
        var status: String
        /// The status code of the ticket shown (a merged ticket's target).
        var state: String
        var sentOn: String
        var body: String
        /// Once closed: how, when, and the team's answer.
        var resolution: FeedbackPage.Label?
        var closedOn: String?
        var note: String?
    }

    struct Adopted: Sendable {
        struct Item: Sendable {
            var number: Int
            var title: String
            var note: String
            var adoptedOn: String
            var supporters: String
        }

        var brand: String
        var items: [Item]
        var formHref: String
    }

    static func form(brand: String, slug: String, values: [String: String], errors: FormErrors, locale: UILocale) -> Form {
        Form(
            brand: brand, action: "/p/\(slug)/feedback", values: values, errors: errors,
            kinds: PublicFeedbackPages.kinds.map { ($0.rawValue, FeedbackPage.kind($0.rawValue, locale).text) })
    }

    static func receipt(_ ticket: FeedbackTicketDTO, shown: FeedbackTicketDTO, brand: String, zone: TimeZone, locale: UILocale) -> Receipt {
        let closed = shown.status == FeedbackStatus.closed.rawValue
        return Receipt(
            title: I18n.text("feedback.receipt_title", locale, [String(ticket.number)]), brand: brand, number: ticket.number,
            kind: FeedbackPage.kind(ticket.kind, locale),
            status: I18n.text(closed ? "feedback.public_state_closed" : "feedback.public_state_open", locale), state: shown.status,
            sentOn: PublicFeedbackPages.day(ticket.createdAt, zone), body: ticket.body,
            resolution: closed ? FeedbackPage.resolution(shown.resolution ?? "declined", locale) : nil,
            closedOn: closed ? PublicFeedbackPages.day(shown.closedAt, zone) : nil, note: closed ? shown.closingNote : nil)
    }

    static func adopted(_ tickets: [FeedbackTicketDTO], brand: String, slug: String, zone: TimeZone, locale: UILocale) -> Adopted {
        Adopted(
            brand: brand,
            items: tickets.map {
                .init(
                    number: $0.number, title: $0.title, note: $0.closingNote ?? "",
                    adoptedOn: I18n.text("feedback.adopted_on", locale, [PublicFeedbackPages.day($0.closedAt, zone)]),
                    supporters: I18n.text("feedback.adopted_supporters", locale, [String($0.supporters)]))
            }, formHref: "/p/\(slug)/feedback")
    }

    // MARK: View

    static func formView(_ model: Form, _ ctx: PageContext) -> HTML {
        let values = model.values
        return """
            <section class="narrow">
            <h1>\(HTML.sentence(ctx.t("feedback.public_title"), [HTML.typed(model.brand)]))</h1>
            \(Layout.errorSummary(ctx, model.errors))
            <p>\(ctx.t("feedback.public_intro"))</p>
            <form method="post" action="\(model.action)" id="public-feedback-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "name", label: ctx.t("feedback.your_name"), value: values["name"] ?? "", errors: model.errors, required: false, autocomplete: "name"))
            \(Layout.field(ctx, name: "contact", label: ctx.t("feedback.contact"), value: values["contact"] ?? "", errors: model.errors, required: false, hint: ctx.t("feedback.contact_hint")))
            \(Layout.select(ctx, name: "kind", label: ctx.t("feedback.kind"), options: model.kinds, selected: values["kind"] ?? "suggestion", errors: model.errors))
            \(Forms.textarea(ctx, name: "text", label: ctx.t("feedback.text"), value: values["text"] ?? "", errors: model.errors, rows: 6))
            <div class="trap" aria-hidden="true"><label for="\(PublicFeedbackPages.trapField)">\(ctx.t("feedback.trap"))</label><input type="text" id="\(PublicFeedbackPages.trapField)" name="\(PublicFeedbackPages.trapField)" value="" tabindex="-1" autocomplete="off"></div>
            <button type="submit" class="primary" id="send-feedback">\(ctx.t("feedback.send"))</button></form>
            </section>
            """
    }

    static func receiptView(_ model: Receipt, _ ctx: PageContext) -> HTML {
        let outcome: HTML =
            model.resolution.map { resolution -> HTML in
                """
                <dl class="facts"><dt>\(ctx.t("feedback.resolution"))</dt><dd id="receipt-resolution">\(FeedbackPage.badge(resolution, classes: "resolution"))</dd>
                <dt>\(ctx.t("feedback.closed_at"))</dt><dd>\(model.closedOn ?? "—")</dd>
                <dt>\(ctx.t("feedback.public_note"))</dt><dd id="receipt-note" translate="no">\(model.note ?? "—")</dd></dl>
                """
            } ?? "<p>\(ctx.t("feedback.receipt_open"))</p>"
        return """
            <section class="narrow" id="receipt" data-status="\(model.state)">
            <h1>\(model.title)</h1>
            <p>\(HTML.sentence(ctx.t("feedback.receipt_intro"), [HTML.typed(model.brand)]))</p>
            <dl class="facts"><dt>\(ctx.t("feedback.number"))</dt><dd id="receipt-number">#\(model.number)</dd>
            <dt>\(ctx.t("feedback.kind"))</dt><dd>\(model.kind.text)</dd>
            <dt>\(ctx.t("feedback.status"))</dt><dd id="receipt-status">\(model.status)</dd>
            <dt>\(ctx.t("feedback.sent_at"))</dt><dd>\(model.sentOn)</dd></dl>
            <blockquote class="template-body" translate="no">\(model.body)</blockquote>
            \(outcome)
            <p class="muted">\(ctx.t("feedback.receipt_keep"))</p>
            </section>
            """
    }

    static func adoptedView(_ model: Adopted, _ ctx: PageContext) -> HTML {
        let items = model.items.map { item -> HTML in
            """
            <article class="card adopted" id="adopted-\(item.number)"><h2 translate="no">\(item.title)</h2>
            <p translate="no">\(item.note)</p>
            <p class="muted">\(item.adoptedOn) · \(item.supporters)</p>
            </article>
            """
        }
        let empty: HTML = """
            <div class="empty-state" id="adopted-none"><p>\(ctx.t("feedback.adopted_none"))</p></div>
            """
        return """
            <section class="narrow" id="adopted">
            <h1>\(HTML.sentence(ctx.t("feedback.adopted_title"), [HTML.typed(model.brand)]))</h1>
            <p>\(ctx.t("feedback.adopted_intro"))</p>
            \(items.isEmpty ? empty : HTML.join(items))
            <p><a href="\(model.formHref)" class="button">\(ctx.t("feedback.adopted_send"))</a></p>
            </section>
            """
    }
}
