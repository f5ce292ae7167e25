import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The shared form helper (Web/FormPage.swift) without a database: the
/// filter bar and the changing form around their fields, escaping, the
/// error summary; the four data pages drawing their forms through it; the
/// one current navigation entry.
@Suite struct FormPageTests {
    func context(_ locale: UILocale, csrf: String = "tok") -> PageContext {
        PageContext(locale: locale, user: nil, csrf: csrf, flashes: [], workspaces: [], access: nil, path: "/w/demo/reports")
    }

    @Test func aFilterBarGetsThePageAgainWithItsFieldsInARow() {
        let html = FormPage.filters(
            id: "f", fields: [Layout.field(context(.en), name: "from", label: "From", type: "date", errors: FormErrors(), required: false)],
            submit: "Show"
        ).rendered
        #expect(html.hasPrefix("<form method=\"get\" class=\"filters\" id=\"f\">"), "\(html)")
        #expect(html.contains("<input id=\"from\" name=\"from\" type=\"date\" value=\"\">"))
        #expect(html.hasSuffix("<button type=\"submit\">Show</button>\n</form>"))
        #expect(!html.contains("csrf_token"), "reading changes nothing: no token in the address")
        let elsewhere = FormPage.filters(id: "f", action: "/w/demo/fan-analytics?x=\"1\"", fields: [], submit: "<Show>").rendered
        #expect(elsewhere.contains("action=\"/w/demo/fan-analytics?x=&quot;1&quot;\"") && elsewhere.contains("&lt;Show&gt;"))
    }

    @Test func aChangingFormHasItsHeadingSummaryTokenAndStackedFields() {
        var errors = FormErrors()
        let clean = FormPage.post(
            context(.zhHans), id: "report-form", heading: "为指定时段生成报告", action: "/w/demo/reports", errors: errors,
            fields: ["<div class=\"field\">x</div>"], submit: "生成报告"
        ).rendered
        #expect(clean.hasPrefix("<h2>为指定时段生成报告</h2>"))
        #expect(
            clean.contains(
                "<form method=\"post\" action=\"/w/demo/reports\" id=\"report-form\" class=\"stack\"><input type=\"hidden\" name=\"csrf_token\" value=\"tok\">"
            ))
        #expect(clean.contains("<div class=\"field\">x</div>\n<button type=\"submit\">生成报告</button>\n</form>"))
        #expect(!clean.contains("flash-error"), "no summary before a refusal")
        errors.general = "不行"
        let refused = FormPage.post(context(.zhHans), id: "x", heading: "h", action: "/a", errors: errors, fields: [], submit: "s").rendered
        #expect(refused.contains("<p class=\"flash flash-error\" role=\"alert\">不行</p>"))
        #expect(refused.range(of: "flash-error")!.lowerBound < refused.range(of: "<form")!.lowerBound, "the summary above the form")
    }

    /// Each of the four pages draws its forms through the helper: the same
    /// classes and one submit button per form.
    @Test func theFourDataPagesShareTheirFormsShape() {
        let ctx = context(.zhHans)
        let reports = ReportListPage.view(
            ReportListPage.Model(
                items: [], nextHref: nil, formAction: "/w/demo/reports", values: [:], errors: FormErrors(), compareOptions: [("previous", "上一周期")]),
            ctx
        ).rendered
        #expect(reports.contains("<form method=\"post\" action=\"/w/demo/reports\" id=\"report-form\" class=\"stack\">"))
        #expect(reports.contains("<h2>为指定时段生成报告</h2>"))
        let links = LinksPage.view(
            LinksPage.Model(
                items: [], nextHref: nil, canEdit: true, formAction: "/w/demo/links", values: ["campaign": "春季<上新>"], errors: FormErrors()),
            ctx
        ).rendered
        #expect(links.contains("id=\"link-form\" class=\"stack\"") && links.contains("value=\"春季&lt;上新&gt;\""))
        #expect(links.components(separatedBy: "<button type=\"submit\">").count == 2, "one button")
        #expect(links.contains("内容 ID") && !links.contains("内容 id"))
    }

    @Test func onlyTheLongestNavigationEntryContainingThePageIsCurrent() {
        let paths = ["", "/analytics", "/analytics/anomalies", "/reports"]
        #expect(Layout.current("/w/demo/analytics/anomalies", among: paths, base: "/w/demo") == "/analytics/anomalies")
        #expect(Layout.current("/w/demo/analytics/rows", among: paths, base: "/w/demo") == "/analytics")
        #expect(Layout.current("/w/demo/analytics", among: paths, base: "/w/demo") == "/analytics")
        #expect(Layout.current("/w/demo", among: paths, base: "/w/demo") == "")
        #expect(Layout.current("/w/demo/posts", among: paths, base: "/w/demo") == nil, "the workbench is not every page's")
        #expect(Layout.current("/w/demo/reportsx", among: paths, base: "/w/demo") == nil)
    }
}
