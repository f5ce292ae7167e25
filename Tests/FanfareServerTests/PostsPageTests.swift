import FanfareConnectors
import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The posts pages' models and views, without a database: every status,
/// step, decision, finding and action in the reader's language, what
/// people typed kept out of translation, the work-list filters and their
/// empty states, and bulk outcomes that name each post.
@Suite struct PostsPageTests {
    static let base = "/w/demo/posts"
    static let id = UUID(uuidString: "01A246C8-0C6A-732C-88C3-D55B6F93AD7E")!
    static let at = Date(timeIntervalSince1970: 1_800_000_000)

    func context(_ locale: UILocale, path: String = "/w/demo/posts") -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: path)
    }

    static let reviewing = PostListPage.Abilities(edit: true, schedule: true, review: true)
    static let reader = PostListPage.Abilities(edit: false, schedule: false, review: false)

    static func item(_ title: String?, status: String = "in_review", step: String? = "legal") -> PostListPage.Item {
        PostListPage.Item(
            id: id, title: title, body: "Three ways to keep canvas looking new.", status: status, pillar: "value_add", scheduledAt: nil,
            updatedAt: at, accounts: [.init(platform: "weibo", handle: "fanfare_weibo"), .init(platform: "mastodon", handle: "fanfare_mastodon")],
            stepKey: step, stepName: step == "legal" ? "Legal review" : step)
    }

    // MARK: List

    @Test func theListNamesStatusStepAndPillarInTheReadersLanguageAndKeepsTitlesAsTyped() {
        let found = PostListPage.Found(items: [Self.item("Care guide")])
        let zh = PostListPage.model(.init(), found, base: Self.base, abilities: Self.reviewing, locale: .zhHans)
        #expect(zh.rows[0].statusLabel == "审核中" && zh.rows[0].tone == .warning)
        #expect(zh.rows[0].step == "法务审核" && !zh.rows[0].stepTyped)
        #expect(zh.rows[0].pillar == "增值内容")
        let en = PostListPage.model(.init(), found, base: Self.base, abilities: Self.reviewing, locale: .en)
        #expect(en.rows[0].statusLabel == "In review" && en.rows[0].step == "Legal review")
        let html = PostListPage.view(zh, context(.zhHans)).rendered
        #expect(html.contains("translate=\"no\">Care guide</a>"))
        #expect(html.contains("<span class=\"handle\" translate=\"no\">@fanfare_weibo</span>"))
        #expect(html.contains("class=\"badge platform platform-weibo\" data-platform=\"weibo\">微博</span>"))
        #expect(html.contains("class=\"badge tone-warning status-in_review\">审核中</span>"))
        #expect(VisibleText.latinWords(html).isEmpty, "\(VisibleText.latinWords(html))")
        #expect(VisibleText.chinese(PostListPage.view(en, context(.en)).rendered).isEmpty)
    }

    @Test func aStepTheWorkspaceNamedItselfIsShownAsTyped() {
        let found = PostListPage.Found(items: [Self.item(nil, step: "brand_check")])
        let model = PostListPage.model(.init(), found, base: Self.base, abilities: Self.reviewing, locale: .zhHans)
        #expect(model.rows[0].step == "brand_check" && model.rows[0].stepTyped)
        #expect(model.rows[0].title == "Three ways to keep canvas looking new.", "an untitled post is named by its text")
        #expect(PostListPage.view(model, context(.zhHans)).rendered.contains("<small class=\"muted step\" translate=\"no\">brand_check</small>"))
    }

    @Test func theWorkbenchFiltersAreTabsThatKeepTheSearchAndThePagingKeepsTheFilter() {
        let input = PostListPage.Input(q: "春季", review: "mine")
        let model = PostListPage.model(
            input, .init(items: [Self.item("春季新品")], nextCursor: "abc"), base: Self.base, abilities: Self.reviewing, locale: .zhHans)
        let mine = model.tabs.first { $0.id == "filter-mine" }
        #expect(mine?.label == "待我审核" && mine?.current == true)
        #expect(mine?.href == "/w/demo/posts?review=mine&q=%E6%98%A5%E5%AD%A3")
        #expect(model.tabs.first { $0.id == "filter-today" }?.href == "/w/demo/posts?due=today&q=%E6%98%A5%E5%AD%A3")
        #expect(model.tabs.first { $0.id == "filter-failed" }?.label == "发布失败")
        #expect(model.tabs.filter(\.current).count == 1)
        #expect(model.nextHref == "/w/demo/posts?review=mine&q=%E6%98%A5%E5%AD%A3&cursor=abc")
        #expect(model.returnTo == "/w/demo/posts?review=mine&q=%E6%98%A5%E5%AD%A3")
        // A reader without review rights is not offered the review tab, nor bulk actions.
        let read = PostListPage.model(.init(), .init(items: [Self.item("x")]), base: Self.base, abilities: Self.reader, locale: .zhHans)
        #expect(!read.tabs.contains { $0.id == "filter-mine" } && read.bulkActions.isEmpty)
        let html = PostListPage.view(read, context(.zhHans)).rendered
        #expect(!html.contains("bulk-form") && !html.contains("name=\"post_ids[]\""))
    }

    @Test func bulkActionsFollowTheRolesRights() {
        let editor = PostListPage.Abilities(edit: true, schedule: false, review: false)
        let model = PostListPage.model(.init(), .init(items: [Self.item("x")]), base: Self.base, abilities: editor, locale: .zhHans)
        #expect(model.bulkActions.map(\.value) == ["submit", "delete"])
        #expect(model.bulkActions.map(\.label) == ["提交审核", "删除"])
        let html = PostListPage.view(model, context(.zhHans)).rendered
        #expect(html.contains("<form method=\"post\" action=\"/w/demo/posts/bulk\" id=\"bulk-form\">"))
        #expect(html.contains("name=\"post_ids[]\" value=\"\(Self.id.uuidString)\""))
        #expect(html.contains("aria-labelledby=\"title-\(Self.id.uuidString)\""))
        let all = PostListPage.model(.init(), .init(items: [Self.item("x")]), base: Self.base, abilities: Self.reviewing, locale: .en)
        #expect(all.bulkActions.map(\.value) == ["submit", "unschedule", "delete"])
    }

    @Test func everyEmptyListSaysWhatItWillHoldAndTheNextStep() {
        func empty(_ input: PostListPage.Input, _ abilities: PostListPage.Abilities = Self.reviewing) -> PostListPage.Model {
            PostListPage.model(input, .init(), base: Self.base, abilities: abilities, locale: .zhHans)
        }
        let first = empty(.init())
        #expect(first.empty.contains("写第一条内容") && first.emptyLinks.map(\.href) == ["/w/demo/posts/new", "/w/demo/posts/import"])
        #expect(empty(.init(), Self.reader).empty.contains("团队写好内容后") && empty(.init(), Self.reader).emptyLinks.isEmpty)
        let mine = empty(.init(review: "mine"))
        #expect(mine.empty.hasPrefix("没有等待你审核的内容") && mine.emptyLinks.first?.href == "/w/demo/posts?status=in_review")
        let today = empty(.init(due: "today"))
        #expect(today.empty == "今天没有排期发布的内容。" && today.emptyLinks.first?.href == "/w/demo/calendar")
        let failed = empty(.init(status: "failed"))
        #expect(failed.empty == "没有状态为“发布失败”的内容。" && failed.emptyLinks.first?.href == Self.base)
        let search = empty(.init(q: "Care", review: "mine"))
        #expect(search.empty == "标题和正文中都没有“Care”的内容。" && search.emptyLinks.first?.href == "/w/demo/posts?review=mine")
        let html = PostListPage.view(search, context(.zhHans)).rendered
        #expect(html.contains("id=\"posts-empty\"") && !html.contains("id=\"post-list\""))
        let bad = PostListPage.model(
            .init(status: "nope"), .init(invalid: ["status": "posts.invalid.status"]), base: Self.base, abilities: Self.reviewing, locale: .en)
        #expect(bad.errors["status"] == "Choose a status from the list." && bad.empty == "This filter cannot be read.")
    }

    @Test func bulkOutcomesNameEveryPostAndSayWhyOneWasRefused() {
        let outcomes: [PostBulk.Outcome] = [
            .init(title: "春季新品", result: .done("posts.bulk.done.submitted")),
            .init(title: "周末问答", result: .done("posts.bulk.done.submitted")),
            .init(title: "Care guide", result: .refused(I18n.text("posts.refused.post_not_draft", .zhHans))),
        ]
        let flashes = PostBulk.flashes(outcomes, locale: .zhHans)
        #expect(flashes.map(\.kind) == [.notice, .error])
        #expect(flashes[0].text == "已提交审核（2 条）：「春季新品」、「周末问答」")
        #expect(flashes[1].text == "「Care guide」未处理：只有草稿或已驳回的内容才能提交审核")
        let many = (1...12).map { PostBulk.Outcome(title: "p\($0)", result: .done("posts.bulk.done.deleted")) }
        #expect(PostBulk.flashes(many, locale: .en)[0].text.hasSuffix("“p10” and 2 more"))
        #expect(
            PostVocabulary.refusal(problemType: "https://fanfare.dev/problems/post-not-scheduled", .en)?.hasPrefix("only a scheduled post") == true)
        #expect(PostVocabulary.refusal(problemType: "about:blank", .en) == nil)
    }

    // MARK: Findings

    @Test func theAutomaticChecksFindingsAreToldInTheReadersLanguage() {
        let rule = PostVocabulary.finding(
            "@fanfare_weibo (weibo) text: is 300 characters long; weibo accepts at most 140 (each visible character counts 1)", .zhHans)
        #expect(rule.typed == ["@fanfare_weibo"] && rule.sentence == "{0}（微博）正文：共 300 个字符；微博 最多 140 个（每个可见字符计 1）")
        let term = PostVocabulary.finding("text: 「国家级」 matches 国家级 (advertising_law, block)", .zhHans)
        #expect(term.sentence == "正文：「{0}」命中敏感词「{1}」（广告法，拦截）" && term.typed == ["国家级", "国家级"])
        let asset = PostVocabulary.finding(
            "Poster: The asset's licence ends on 2026-11-30T16:00:00Z, not after the publish time 2026-12-05T02:00:00Z; renew", .zhHans,
            in: TimeZone(identifier: "Asia/Shanghai")!)
        #expect(asset.sentence == "素材 {0}：授权于 12月1日 周二 到期，早于发布日 12月5日 周六；请续签授权或换用其他素材。" && asset.typed == ["Poster"])
        #expect(PostVocabulary.fieldName("media[1]", .zhHans) == "第 2 个素材")
    }

    // MARK: Detail

    static func found(status: String = "in_review", review: ReviewProcess, names: [String: String] = [:]) -> PostDetailPage.Found {
        let variant = PostDTO.VariantDTO(
            id: UUID(), accountId: UUID(), platform: "weibo", handle: "fanfare_weibo", title: nil, text: "Three ways to keep canvas looking new.",
            tags: ["care"], state: "published", attempts: 1, remoteId: "r1", url: "https://weibo.com/1/abc", publishedAt: at, errorCode: nil,
            lastError: nil,
            violations: [
                RuleViolation(
                    rule: "text.too_long", field: "text", severity: .warning,
                    .tooLongGraphemes(count: 300, platform: "weibo", max: 140))
            ],
            metrics: [.init(label: "latest", impressions: 123_456, likes: 12, comments: 3, shares: 0, takenAt: at)],
            attemptHistory: [.init(number: 1, startedAt: at, finishedAt: at, outcome: "published", message: nil)], handOff: nil)
        return PostDetailPage.Found(
            post: .init(
                id: id.uuidString, title: "Care guide", body: "Three ways", status: status, pillar: "value_add", format: "long_article",
                pool: "regular",
                campaign: "2026 春季", tags: ["care"], scheduledAt: nil),
            variants: [variant], review: review, names: names, timeZone: "Asia/Shanghai")
    }

    @Test func theReviewPanelNamesStepsDecisionsAndFindingsAndKeepsPeopleAsTyped() throws {
        var review = ReviewProcess()
        try review.submit(
            automaticWarnings: ["text: 「最好」 matches 最好 (advertising_law, review)"], by: "u-admin", at: Self.at)
        try review.decide(approve: true, comment: "文案没问题", by: "u-rita", role: .reviewer, at: Self.at)
        let found = Self.found(review: review, names: ["u-admin": "Demo Admin", "u-rita": "Rita"])
        let legal = PostDetailPage.Abilities(role: .legal, edit: false, schedule: false, analytics: false)
        let zh = PostDetailPage.model(found, base: "/w/demo", abilities: legal, me: "u-lou", locale: .zhHans)
        #expect(zh.steps.map(\.name) == ["自动检查", "编辑审核", "法务审核"])
        #expect(zh.steps.map(\.current) == [false, false, true] && zh.steps[1].who == "管理员、运营经理、审核员")
        #expect(zh.history.map(\.decisionLabel) == ["通过", "自动检查通过", "提交"])
        #expect(zh.history[0].who == "Rita" && zh.history[0].whoTyped && zh.history[0].comment == "文案没问题")
        #expect(zh.history[1].who == "Fanfare（自动）" && !zh.history[1].whoTyped && zh.history[1].comment == nil)
        #expect(zh.history[1].findings.map(\.template) == ["通过前请核对以下 1 处提示：", "正文：「{0}」命中敏感词「{1}」（广告法，复核）"])
        #expect(zh.canDecide && !zh.othersDecide)
        let html = PostDetailPage.view(zh, context(.zhHans, path: "/w/demo/posts/x")).rendered
        #expect(html.contains("<span translate=\"no\">Rita</span>") && html.contains("<blockquote translate=\"no\">文案没问题</blockquote>"))
        #expect(html.contains("id=\"review-form\"") && html.contains("<h1 translate=\"no\">Care guide</h1>"))
        #expect(html.contains("<p class=\"variant-text\" translate=\"no\">"))
        #expect(html.contains("<tr data-label=\"latest\"><th scope=\"row\">最新</th><td>12.3万</td><td>12</td>"))
        #expect(html.contains("<strong>正文</strong>"), "the rule's field is named, not shown as a code")
        #expect(VisibleText.latinWords(html).isEmpty, "\(VisibleText.latinWords(html))")
        let en = PostDetailPage.view(PostDetailPage.model(found, base: "/w/demo", abilities: legal, me: "u-lou", locale: .en), context(.en)).rendered
        #expect(VisibleText.chinese(en).isEmpty, "\(VisibleText.chinese(en))")
        // The reviewer approved the editorial step: the legal step is not theirs.
        let rita = PostDetailPage.model(
            found, base: "/w/demo", abilities: .init(role: .reviewer, edit: false, schedule: false, analytics: false), me: "u-rita", locale: .zhHans)
        #expect(!rita.canDecide && !rita.othersDecide)
    }

    @Test func theSubmitterIsToldAnotherMemberDecides() throws {
        var review = ReviewProcess()
        try review.submit(by: "u-admin", at: Self.at)
        let admin = PostDetailPage.Abilities(role: .admin, edit: true, schedule: true, analytics: true)
        let model = PostDetailPage.model(Self.found(review: review), base: "/w/demo", abilities: admin, me: "u-admin", locale: .zhHans)
        #expect(!model.canDecide && model.othersDecide)
        #expect(PostDetailPage.view(model, context(.zhHans)).rendered.contains("id=\"review-others\""))
        let failed = try {
            var process = ReviewProcess()
            try process.submit(automaticProblems: ["@fanfare_weibo (weibo) text: must not be empty"], by: "u-admin", at: Self.at)
            return process
        }()
        let draft = PostDetailPage.model(
            Self.found(status: "draft", review: failed), base: "/w/demo", abilities: admin, me: "u-admin", locale: .zhHans)
        #expect(draft.history[0].findings.first?.template == "自动检查发现 1 个问题：")
        #expect(draft.canSubmit && draft.canEdit && draft.schedule == nil)
    }

    @Test func aHandOffIsExplainedStepByStepInTheReadersLanguage() {
        let package = HandOffPackage.build(
            from: Variant(title: "春季新品", text: "三款配色 #新品", tags: [], media: [MediaAttachment(kind: .image, bytes: 2_097_152)]),
            rules: PlatformRules.standard["xiaohongshu"]!, account: "fanfare_xhs")
        let zh = PostDetailPage.handOffSteps(package, handle: "fanfare_xhs", locale: .zhHans)
        #expect(zh.first?.template == "在手机上打开小红书，登录 {0}，点 + 按以下顺序选择图片：1. 图片（2.0 MB）。")
        #expect(zh.first?.typed == ["@fanfare_xhs"])
        #expect(zh.contains { $0.template.hasPrefix("检查话题 {0}") && $0.typed == ["#新品"] })
        #expect(zh.last?.template == "打开已发布的笔记，点「分享」→「复制链接」，把链接粘贴到下面。")
        let en = PostDetailPage.handOffSteps(package, handle: "fanfare_xhs", locale: .en)
        #expect(en.allSatisfy { VisibleText.chinese($0.template).isEmpty }, "\(en.map(\.template))")
    }

    // MARK: Compose and import

    @Test func theComposeFormKeepsNamesAsTypedAndNamesKindsAndPlatforms() {
        let found = PostComposePage.Found(
            accounts: [.init(id: "a1", name: "Fanfare on Mastodon (demo)", platform: "mastodon", handle: "fanfare_mastodon")],
            topics: [.init(id: "t1", title: "Behind the scenes", hot: true)],
            assets: [.init(id: "x1", name: "poster.jpg", kind: "image", problem: nil)])
        var values = PostPages.FormValues()
        values.accounts = ["a1"]
        let model = PostComposePage.model(postID: nil, values: values, errors: FormErrors(), found, base: "/w/demo", locale: .zhHans)
        #expect(model.accounts[0].checked && model.assets[0].detail == "图片" && model.values["pillar"] == "basic")
        let html = PostComposePage.view(model, context(.zhHans, path: "/w/demo/posts/new")).rendered
        #expect(html.contains("<span translate=\"no\">Fanfare on Mastodon (demo)</span>"))
        #expect(html.contains("<option value=\"t1\" translate=\"no\">🔥 Behind the scenes</option>"))
        #expect(VisibleText.latinWords(html).isEmpty, "\(VisibleText.latinWords(html))")
        let none = PostComposePage.view(
            PostComposePage.model(postID: "p", values: .init(), errors: FormErrors(), .init(), base: "/w/demo", locale: .zhHans), context(.zhHans)
        ).rendered
        #expect(none.contains("id=\"no-accounts\"") && none.contains("href=\"/w/demo/accounts\"") && none.contains("编辑内容"))
    }

    @Test func theImportPageShowsColumnsAsLiteralsAndEveryRowsProblem() {
        let report = PostImportService.Report(imported: 0, postIds: [], errors: [.init(line: 3, field: "accounts", .notEmpty)])
        let model = PostImportPage.model(csv: "title,text\n", report: report, base: "/w/demo", locale: .zhHans)
        #expect(model.failed && model.problems[0].message == "不能为空")
        let html = PostImportPage.view(model, context(.zhHans)).rendered
        #expect(html.contains("<td><code translate=\"no\">accounts</code></td>"))
        #expect(html.contains("<pre class=\"paste\" translate=\"no\">title,text,accounts,"))
        #expect(VisibleText.latinWords(html).isEmpty, "\(VisibleText.latinWords(html))")
    }
}

/// The text a reader sees, without what is marked `translate="no"`,
/// scripts and styles, as the browser language test reads it; and the
/// words that test would flag.
enum VisibleText {
    static let allowed: Set<String> = [
        "fanfare", "api", "csv", "json", "url", "id", "ip", "utc", "http", "https", "html", "mastodon", "bluesky", "webhook", "ok", "mb",
        "sandbox", "ugc", "kb", "gb", "jpeg", "png", "gif", "webp", "mp4", "mov",
    ]

    static func text(_ html: String) -> String {
        var out = ""
        var hidden: [(tag: String, hides: Bool)] = []
        var index = html.startIndex
        let void: Set<String> = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
        while index < html.endIndex {
            if html[index] == "<", let close = html[index...].firstIndex(of: ">") {
                let tag = String(html[html.index(after: index)..<close])
                index = html.index(after: close)
                if tag.hasPrefix("/") {
                    let name = tag.dropFirst().lowercased()
                    if let last = hidden.lastIndex(where: { $0.tag == name }) { hidden.removeSubrange(last...) }
                    continue
                }
                let name = String(tag.prefix { !$0.isWhitespace && $0 != "/" }).lowercased()
                if tag.hasPrefix("!") || void.contains(name) || tag.hasSuffix("/") { continue }
                hidden.append((name, tag.contains("translate=\"no\"") || name == "script" || name == "style"))
                continue
            }
            let next = html[index...].firstIndex(of: "<") ?? html.endIndex
            if !hidden.contains(where: \.hides) { out += html[index..<next] + " " }
            index = next
        }
        return out.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(
            of: "&#39;", with: "'"
        )
        .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
    }

    static func latinWords(_ html: String) -> [String] {
        text(html).matches(of: /[A-Za-z][A-Za-z0-9_]*(?:[._→-][A-Za-z0-9_]+)*/).map { String($0.output) }.filter {
            !allowed.contains($0.lowercased())
        }
    }

    static func chinese(_ html: String) -> [String] {
        var runs: [String] = []
        var run = ""
        for scalar in text(html).unicodeScalars {
            if (0x3400...0x9FFF).contains(scalar.value) || (0xF900...0xFAFF).contains(scalar.value) {
                run.unicodeScalars.append(scalar)
            } else if !run.isEmpty {
                runs.append(run)
                run = ""
            }
        }
        return run.isEmpty ? runs : runs + [run]
    }
}
