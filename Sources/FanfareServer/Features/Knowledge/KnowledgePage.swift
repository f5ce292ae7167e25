import FanfareCore
import Foundation

/// 知识库: post-mortems and incident reviews found together, with filters
/// by kind, tag, platform and year (docs/knowledge.md).
enum KnowledgePage {
    static let platforms = ["weibo", "wechat", "douyin", "xiaohongshu", "bilibili", "mastodon", "bluesky", "sandbox", "webhook", "external"]

    struct Item: Sendable, Equatable {
        var kind: String
        var title: String
        var href: String
        var excerpt: String
        var tags: [String]
        var platforms: [String]
        var year: Int
        var updatedAt: Date
    }

    struct Model: Sendable {
        var base: String
        var values: [String: String]
        var errors = FormErrors()
        var items: [Item] = []
        /// Something was asked (a term or a filter).
        var searched: Bool
        var droppedSingleCharacters = false
        /// The terms searched for, marked in the excerpts.
        var terms: [String] = []
        /// The filters' choices: what the workspace's documents carry.
        var tags: [String] = []
        var platforms: [String] = []
        var years: [Int] = []
        var total = 0
    }

    static func href(kind: String, sourceID: UUID, base: String) -> String {
        let id = sourceID.uuidString.lowercased()
        return kind == KnowledgeBase.Kind.postMortem.rawValue ? "\(base)/campaigns/\(id)/post-mortem" : "\(base)/incidents/\(id)/review"
    }

    /// `text` with each place a term stands marked (`<mark>`), escaped as any text.
    static func highlighted(_ text: String, terms: [String]) -> HTML {
        let terms = terms.filter { !$0.isEmpty }
        guard !terms.isEmpty else { return "\(text)" }
        var pieces: [HTML] = []
        var rest = text[...]
        while !rest.isEmpty {
            let next = terms.compactMap { rest.range(of: $0, options: .caseInsensitive) }.min { $0.lowerBound < $1.lowerBound }
            guard let range = next else { break }
            pieces.append("\(String(rest[..<range.lowerBound]))<mark>\(String(rest[range]))</mark>")
            rest = rest[range.upperBound...]
        }
        pieces.append("\(String(rest))")
        return HTML.join(pieces)
    }

    static func platformLabel(_ key: String, _ ctx: PageContext) -> HTML {
        platforms.contains(key) ? "\(ctx.t("platform.\(key)"))" : HTML.typed(key)
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let v = model.values
        let e = model.errors
        let all = ctx.t("knowledge.all")
        let form: HTML = """
            <form method="get" action="\(model.base)/knowledge" class="filters" id="knowledge-search" role="search">
            <div class="field\(e["q"] != nil ? " has-error" : "")"><label for="q">\(ctx.t("knowledge.q"))</label>\
            <input type="search" id="q" name="q" value="\(v["q"] ?? "")" maxlength="200" placeholder="\(ctx.t("knowledge.q_placeholder"))" translate="no">\
            \(e["q"].map { m -> HTML in "<small class=\"error\" id=\"q-error\">\(m.text(ctx.locale))</small>" } ?? .empty)</div>
            \(Layout.select(ctx, name: "kind", label: ctx.t("knowledge.kind"), options: [("", all)] + KnowledgeBase.Kind.allCases.map { ($0.rawValue, ctx.t("knowledge.kind.\($0.rawValue)")) }, selected: v["kind"] ?? "", errors: e))
            \(Layout.select(ctx, name: "tag", label: ctx.t("knowledge.tag"), options: [("", all)] + model.tags.map { ($0, $0) }, selected: v["tag"] ?? "", errors: e, verbatimAfterFirst: true))
            \(Layout.select(ctx, name: "platform", label: ctx.t("knowledge.platform"), options: [("", all)] + model.platforms.map { ($0, platforms.contains($0) ? ctx.t("platform.\($0)") : $0) }, selected: v["platform"] ?? "", errors: e))
            \(Layout.select(ctx, name: "year", label: ctx.t("knowledge.year"), options: [("", all)] + model.years.map { (String($0), String($0)) }, selected: v["year"] ?? "", errors: e))
            <button type="submit">\(ctx.t("knowledge.search"))</button></form>
            """
        let results: HTML
        if model.total == 0 {
            results = "<p class=\"empty\" id=\"knowledge-empty\">\(ctx.t("knowledge.empty"))</p>"
        } else if model.items.isEmpty {
            results =
                "<p class=\"empty\" id=\"knowledge-none\">\(ctx.t(model.droppedSingleCharacters ? "knowledge.too_short" : "knowledge.none"))</p>"
        } else {
            let rows = model.items.map { item -> HTML in
                let tags = HTML.join(item.tags.map { "<span class=\"tag\" translate=\"no\">\($0)</span>" }, separator: " ")
                let placesText = HTML.join(item.platforms.map { platformLabel($0, ctx) }, separator: "、")
                return """
                    <li class="knowledge-hit" data-kind="\(item.kind)"><h3><a href="\(item.href)">\(HTML.typed(item.title))</a></h3>\
                    <p class="meta">\(Badge.html(ctx.t("knowledge.kind.\(item.kind)"), tone: .neutral, data: [("kind", item.kind)])) · \(String(item.year))\
                    \(item.platforms.isEmpty ? HTML.empty : " · \(placesText)")\(item.tags.isEmpty ? HTML.empty : " · \(tags)")</p>\
                    <p class="excerpt" translate="no">\(highlighted(item.excerpt, terms: model.terms))</p></li>
                    """
            }
            results = """
                <p class="hint" id="knowledge-count">\(ctx.t(model.searched ? "knowledge.found" : "knowledge.recent", String(model.items.count)))</p>
                <ul class="knowledge-hits">\(HTML.join(rows))</ul>
                """
        }
        return """
            <h1>\(ctx.t("knowledge.title"))</h1>
            <p class="hint">\(ctx.t("knowledge.intro"))</p>
            <section class="card">\(form)</section>
            <section class="card" id="knowledge-results">\(results)</section>
            """
    }
}
