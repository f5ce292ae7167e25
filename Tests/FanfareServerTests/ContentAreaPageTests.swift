import FanfareConnectors
import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The calendar, library and accounts pages' models and views, without a
/// database: warnings that name the posts that clash, days and months in
/// the reader's language, cadence told from its codes, every platform's
/// connect form and answers translated, and empty states with a next step.
@Suite struct ContentAreaPageTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!

    func context(_ locale: UILocale, path: String) -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: path)
    }

    // MARK: Calendar

    static func entry(_ post: UUID, _ variant: UUID, account: UUID, handle: String, title: String, at: Date) -> CalendarService.Entry {
        CalendarService.Entry(
            postId: post, variantId: variant, accountId: account, handle: handle, platform: "weibo", title: title, text: "同样的文字", at: at,
            day: CalendarDate(at, in: zone).description, status: "scheduled", state: "queued", url: nil, hotTopic: false)
    }

    static func calendar(entries: [CalendarService.Entry], view: String = "week", today: CalendarDate) throws -> CalendarPage.Found {
        let anchor = try CalendarDate(year: 2026, month: 12, day: 5)
        let noon = anchor.start(in: zone).addingTimeInterval(12 * 3_600)
        let weeks = view == "month" ? CalendarGrid.month(containing: noon, timeZone: zone) : [CalendarGrid.week(containing: noon, timeZone: zone)]
        let warnings = ScheduleWarnings.check(
            entries: entries.map {
                ScheduleEntry(
                    id: $0.variantId.uuidString, accountID: $0.accountId.uuidString, at: $0.at, text: $0.text, contentID: $0.postId.uuidString)
            })
        let range = CalendarService.Range(
            from: weeks[0][0].date.description, to: weeks.last!.last!.date.description, timeZone: "Asia/Shanghai", entries: entries,
            themes: [.init(weekStart: weeks[0][0].date.description, theme: "Behind the scenes")], warnings: warnings, slotWarnings: [])
        return CalendarPage.Found(view: view, anchor: anchor, today: today, weeks: weeks, timeZone: "Asia/Shanghai", range: range)
    }

    @Test func clashWarningsNameThePostsThatClash() throws {
        let account = UUID()
        let nine = try CalendarDate(year: 2026, month: 12, day: 5).start(in: Self.zone).addingTimeInterval(9 * 3_600)
        let (a, b) = (UUID(), UUID())
        let found = try Self.calendar(
            entries: [
                Self.entry(a, UUID(), account: account, handle: "fanfare_weibo", title: "春季新品", at: nine),
                Self.entry(b, UUID(), account: account, handle: "fanfare_weibo", title: "Care guide", at: nine.addingTimeInterval(20 * 60)),
            ], today: try CalendarDate(year: 2026, month: 12, day: 5))
        let model = CalendarPage.model(
            found, base: "/w/demo", api: "/api/v1/workspaces/demo", abilities: .init(schedule: true, plan: true), locale: .zhHans)
        let close = try #require(model.warnings.first { $0.code == "account.too_close" })
        #expect(close.sentence == "同一账号的两条内容只相隔 20 分钟；同一账号的发布间隔请至少保留 60 分钟：")
        #expect(close.posts.map(\.title) == ["春季新品", "Care guide"])
        let same = try #require(model.warnings.first { $0.code == "text.duplicate_same_account" })
        #expect(same.level == "error" && same.posts.count == 2)
        let html = CalendarPage.view(model, context(.zhHans, path: "/w/demo/calendar")).rendered
        #expect(html.contains("<a href=\"/w/demo/posts/\(b.uuidString)\" translate=\"no\">Care guide</a>"))
        #expect(html.contains("data-post=\"\(a.uuidString)\" data-time=\"09:00\""))
        #expect(html.contains("<span translate=\"no\">@fanfare_weibo · 春季新品</span>"))
        #expect(html.contains("class=\"entry state-queued platform-weibo tone-info warn\" draggable=\"true\""))
        #expect(html.contains("本周主题: <span translate=\"no\">Behind the scenes</span>"))
        #expect(VisibleText.latinWords(html).isEmpty, "\(VisibleText.latinWords(html))")
        let en = CalendarPage.model(
            found, base: "/w/demo", api: "/api/v1/workspaces/demo", abilities: .init(schedule: false, plan: false), locale: .en)
        #expect(en.warnings[0].sentence.hasPrefix("Two posts to one account are 20 minutes apart"))
        let enHTML = CalendarPage.view(en, context(.en, path: "/w/demo/calendar")).rendered
        #expect(VisibleText.chinese(enHTML).isEmpty, "\(VisibleText.chinese(enHTML))")
        #expect(!enHTML.contains("draggable") && !enHTML.contains("theme-form"))
    }

    @Test func theCalendarSaysTodayNamesDaysAndTheRangeAndWhatAnEmptyWeekMeans() throws {
        let today = try CalendarDate(year: 2026, month: 12, day: 3)
        let model = CalendarPage.model(
            try Self.calendar(entries: [], today: today), base: "/w/demo", api: "/api/v1/workspaces/demo",
            abilities: .init(schedule: true, plan: true),
            locale: .zhHans)
        #expect(model.rangeLabel == "11月30日 – 12月6日")
        #expect(model.todayHref == "/w/demo/calendar?view=week" && model.previousHref.hasSuffix("date=2026-11-28"))
        #expect(model.weeks[0].days.map(\.today) == [false, false, false, true, false, false, false])
        #expect(model.weeks[0].days[5].label == "12月5日 周六")
        #expect(model.empty?.hasPrefix("本周还没有排期的内容") == true)
        let html = CalendarPage.view(model, context(.zhHans, path: "/w/demo/calendar")).rendered
        #expect(html.contains("id=\"calendar-today\" class=\"button\">今天</a>"))
        #expect(html.contains("class=\"day today no-entries\" data-day=\"2026-12-03\""))
        #expect(html.contains("<span class=\"date-full\">12月5日 周六</span>"))
        let month = CalendarPage.model(
            try Self.calendar(entries: [], view: "month", today: today), base: "/w/demo", api: "/api/v1/workspaces/demo",
            abilities: .init(schedule: true, plan: true), locale: .en)
        #expect(month.rangeLabel == "Dec 2026" && month.weeks[0].days[0].label == "Mon 30 Nov" && month.switchLabel == "Week view")
        let nextYear = CalendarVocabulary.day(try CalendarDate(year: 2027, month: 1, day: 1), .zhHans, thisYear: 2026)
        #expect(nextYear == "2027年1月1日 周五")
    }

    @Test func theHeatMapDrawsLevelsAsClassesWithItsWordsInTheReadersLanguage() {
        let monday9 = Date(timeIntervalSince1970: 1_796_000_400)  // Monday 30 November 2026, 09:00 in Shanghai
        let samples = (0..<3).map {
            EngagementSample(publishedAt: monday9.addingTimeInterval(Double($0) * 7 * 86_400), impressions: 1_000, engagements: 50)
        }
        let map = BestTimeMap.compute(samples: samples, timeZone: Self.zone)
        let model = CalendarPage.heatMap(map, .zhHans)
        let cell = model.rows.flatMap(\.cells).first { $0.rate != nil }
        #expect(cell.map { abs(($0.rate ?? 0) - 0.05) < 1e-9 } == true && cell?.title == "互动率 5.0% · 3 条内容")
        #expect(model.rows[0].weekday == "周一")
        let html = CalendarPage.heatMapView(model, context(.zhHans, path: "/w/demo/calendar")).rendered
        // Drawn by the shared heat map, its hour coloured in the drawing and in the data table behind it.
        #expect(html.contains("<rect class=\"cell heat-10\"") && html.contains("<td class=\"heat-10\" title=\"互动率 5.0% · 3 条内容\">5.0</td>"))
        #expect(!html.contains("style="))
        #expect(html.contains("<figure class=\"chart chart-heatmap\" id=\"best-times-chart\">") && html.contains("<summary>数据表</summary>"))
        #expect(html.contains("<table class=\"chart-table heatmap\"><caption>按星期与小时统计的互动率</caption>"))
        #expect(html.contains("<th scope=\"row\">周一</th>"))
        // No hour with enough posts: the chart's empty state says so in the page's own words.
        let none = CalendarPage.heatMap(BestTimeMap.compute(samples: [], timeZone: Self.zone), .zhHans)
        let empty = CalendarPage.heatMapView(none, context(.zhHans, path: "/w/demo/calendar")).rendered
        #expect(empty.contains("chart-empty") && empty.contains("还没有哪个小时积累到"))
    }

    // MARK: Library

    @Test func cadenceIsToldFromItsCodesAndTheRegistersKeepTypedTextApart() {
        let found = LibraryPage.Found(
            cadence: [
                CadenceWarning(code: "reserve.low", measured: 0, targetMin: 15, targetMax: nil, .cadenceReserveLow(count: 0, min: 15)),
                CadenceWarning(code: "light.weekly_low", measured: 2, targetMin: 3, targetMax: 5, .cadenceLight(count: 2, min: 3, max: 5)),
                CadenceWarning(
                    code: "pillar_mix.off", pillar: .core, measured: 0.5, targetMin: 0.2, targetMax: 0.4,
                    .cadencePillarMix(pillar: "core", share: "50 %", count: 12, days: 30, target: "30 %", tolerance: "10 %")),
            ],
            topics: [.init(id: "t", title: "Behind the scenes", notes: "from the studio", hot: true, status: "open", raisedAt: Date())],
            assets: [
                .init(
                    name: "poster.jpg", kind: "video", source: "studio", licence: "unknown", expiresAt: nil, proof: nil,
                    problem: .assetLicenceUnknown
                )
            ])
        let model = LibraryPage.model(found, values: [:], errors: FormErrors(), base: "/w/demo/library", canEdit: true, locale: .zhHans)
        #expect(
            model.cadence.map(\.text) == [
                "储备池只有 0 条未排期的内容；请至少保留 15 条，以备淡季和突发情况。", "本周已排期或发布 2 条轻量更新；目标是每周 3 到 5 条。",
                "近期内容中核心内容占 50%；目标为 20% 到 40%。",
            ])
        #expect(model.assets[0].kind == "视频" && model.assets[0].licence == "未知" && !model.assets[0].usable)
        #expect(model.topics[0].statusLabel == "待用" && model.topics[0].deadline != nil)
        let html = LibraryPage.view(model, context(.zhHans, path: "/w/demo/library")).rendered
        #expect(html.contains("data-code=\"reserve.low\""))
        #expect(html.contains("<span translate=\"no\">poster.jpg</span>") && html.contains("<td translate=\"no\">from the studio</td>"))
        #expect(html.contains("<option value=\"gif\">动图</option>"))
        #expect(VisibleText.latinWords(html).isEmpty, "\(VisibleText.latinWords(html))")
        let en = LibraryPage.model(found, values: [:], errors: FormErrors(), base: "/w/demo/library", canEdit: true, locale: .en)
        #expect(en.cadence[2].text == "Core content makes up 50% of recent posts; the target is 20% to 40%.")
        #expect(VisibleText.chinese(LibraryPage.view(en, context(.en, path: "/w/demo/library")).rendered).isEmpty)
    }

    @Test func anEmptyLibrarySaysWhatToAddFirst() {
        let model = LibraryPage.model(.init(), values: [:], errors: FormErrors(), base: "/w/demo/library", canEdit: true, locale: .zhHans)
        let html = LibraryPage.view(model, context(.zhHans, path: "/w/demo/library")).rendered
        #expect(html.contains("id=\"topics-empty\"") && html.contains("在下面添加第一个选题"))
        #expect(html.contains("id=\"assets-empty\"") && html.contains("id=\"cadence-ok\""))
        let reader = LibraryPage.view(
            LibraryPage.model(.init(), values: [:], errors: FormErrors(), base: "/w/demo/library", canEdit: false, locale: .zhHans),
            context(.zhHans, path: "/w/demo/library")
        ).rendered
        #expect(!reader.contains("topic-form") && reader.contains("团队收集的选题会显示在这里"))
    }

    // MARK: Accounts

    @Test func everyPlatformsConnectFormHasEveryLabelAndHintInBothLanguages() {
        for kind in ConnectorRegistry.kinds {
            for field in kind.connectionFields {
                for locale in UILocale.allCases {
                    let label = AccountsVocabulary.labelKey(kind.platform, field.key)
                    #expect(I18n.text(label, locale) != label, "\(kind.platform).\(field.key) label in \(locale)")
                    if !field.hint.isEmpty {
                        let hint = AccountsVocabulary.hintKey(kind.platform, field.key)
                        #expect(I18n.text(hint, locale) != hint, "\(kind.platform).\(field.key) hint in \(locale)")
                    }
                }
            }
        }
        for platform in AccountsVocabulary.platforms {
            for locale in UILocale.allCases {
                let model = AccountsPage.model(
                    .init(platform: platform), .init(), errors: FormErrors(), base: "/w/demo", canConnect: true, locale: locale)
                #expect(model.platform == platform)
                let html = AccountsPage.view(model, context(locale, path: "/w/demo/accounts")).rendered
                if locale == .zhHans {
                    #expect(VisibleText.latinWords(html).isEmpty, "\(platform): \(VisibleText.latinWords(html))")
                } else {
                    #expect(VisibleText.chinese(html).isEmpty, "\(platform): \(VisibleText.chinese(html))")
                }
            }
        }
    }

    @Test func bilibiliIsConnectedWithItsAppsTokensAndACategory() {
        let model = AccountsPage.model(.init(platform: "bilibili"), .init(), errors: FormErrors(), base: "/w/demo", canConnect: true, locale: .zhHans)
        #expect(model.connectable && model.rehearseHref == nil)
        #expect(
            model.fields.map(\.name) == [
                "fields[client_id]", "fields[client_secret]", "fields[access_token]", "fields[refresh_token]", "fields[tid]", "fields[apiBaseURL]",
            ])
        #expect(model.fields.filter(\.secret).map(\.label) == ["应用密钥", "访问令牌", "刷新令牌"], "the secrets are password fields")
        #expect(model.fields.filter { !$0.required }.map(\.name) == ["fields[refresh_token]", "fields[apiBaseURL]"])
        #expect(model.fields.first { $0.name == "fields[tid]" }?.label == "分区 ID")
        let html = AccountsPage.view(model, context(.zhHans, path: "/w/demo/accounts")).rendered
        #expect(html.contains("id=\"connect-account-form\"") && !html.contains("id=\"not-connectable\""))
        #expect(html.contains("不向其他应用开放评论和私信"), "the intro says what does not reach the inbox")
        // What Bilibili answered, in the reader's language.
        let unknown = AccountsVocabulary.result(
            "Category (分区) id 999 is not one Bilibili takes submissions in; the 分区 list (archive/type/list) has the ids", .zhHans)
        #expect(unknown.template.hasPrefix("哔哩哔哩的分区 {0} 不接受投稿") && unknown.typed == ["999"])
        let signature = AccountsVocabulary.result(
            "Bilibili refused the app's signature (error 127012) (鉴权错误); check the client ID and the app secret of the open-platform app", .zhHans)
        #expect(signature.template.hasPrefix("哔哩哔哩不接受应用的签名（错误 127012）{0}") && signature.typed == [" (鉴权错误)"])
        // The Sandbox still rehearses Bilibili's rules.
        let sandbox = AccountsPage.model(
            .init(platform: "sandbox", simulates: "bilibili"), .init(), errors: FormErrors(), base: "/w/demo", canConnect: true, locale: .zhHans)
        #expect(sandbox.simulated == "bilibili" && sandbox.simulates.contains { $0.value == "bilibili" && $0.label == "哔哩哔哩" })
    }

    @Test func whatConnectingAnsweredIsToldInTheReadersLanguageBesideItsField() {
        var errors = FormErrors()
        errors.byField["fields.instance_url"] = .platformSaid(
            text: "The instance address “mastodon” is not a web address; enter it like https://mastodon.social.")
        errors.byField["fields.access_token"] = .connectionFieldRequired(label: "Access token")
        errors.byField["fields"] = .platformSaid(
            text: "mastodon.example refused the access token; copy it again in full, or create a new one if it was revoked.")
        let model = AccountsPage.model(
            .init(platform: "mastodon", values: ["fields.instance_url": "mastodon"]), .init(), errors: errors, base: "/w/demo", canConnect: true,
            locale: .zhHans)
        let address = model.fields.first { $0.name == "fields[instance_url]" }
        #expect(address?.value == "mastodon")
        #expect(address?.error == .init(template: "实例地址“{0}”不是网址；请按 `https://mastodon.social` 的格式填写。", typed: ["mastodon"]))
        #expect(model.fields.first { $0.name == "fields[access_token]" }?.error?.template == "必填。")
        #expect(model.general == [.init(template: "{0} 不接受这个访问令牌；请完整地重新复制，如已撤销请新建一个。", typed: ["mastodon.example"])])
        let html = AccountsPage.view(model, context(.zhHans, path: "/w/demo/accounts")).rendered
        #expect(
            html.contains(
                "id=\"fields[instance_url]-error\">实例地址“<span translate=\"no\">mastodon</span>”不是网址；请按 <code translate=\"no\">https://mastodon.social</code> 的格式填写。"
            ))
        #expect(VisibleText.latinWords(html).isEmpty, "\(VisibleText.latinWords(html))")
        let profile = AccountsVocabulary.result(
            "Profile link must be the Xiaohongshu account's profile link, e.g. https://www.xiaohongshu.com/user/profile/1", .zhHans)
        #expect(profile == .init(template: "请粘贴小红书账号的主页链接，例如 {0}", typed: ["https://www.xiaohongshu.com/user/profile/1"]))
        let unknown = AccountsVocabulary.result("Something new went wrong", .zhHans)
        #expect(unknown == .init(template: "平台答复：{0}", typed: ["Something new went wrong"]))
        let taken = AccountsVocabulary.result(.accountConnected(platform: "weibo"), .zhHans)
        #expect(taken.template == "这个账号已连接到本工作区（微博）。")
    }

    /// Each connector's first refusal of an empty form is one the page can
    /// tell in Chinese: no connector's sentence reaches the reader raw.
    @Test func everyConnectorsRefusalOfAnEmptyFormIsTranslated() async {
        struct Unreachable: HTTPTransport {
            func send(_ request: HTTPRequestData, timeout: TimeInterval) async throws(ConnectorError) -> HTTPResponseData {
                throw .temporary(reason: "offline")
            }
        }
        for kind in ConnectorRegistry.kinds {
            do {
                _ = try await kind.connect(fields: [:], transport: Unreachable(), now: Date())
                if kind.platform != "webhook" { Issue.record("\(kind.platform) accepted an empty form") }
            } catch {
                guard case .rejected(let reason) = error else { continue }
                let told = AccountsVocabulary.result(reason, .zhHans)
                #expect(told.typed != [reason], "\(kind.platform): \(reason)")
            }
        }
    }

    @Test func theAccountListShowsPlatformsInColourAndNamesAsTyped() {
        let found = AccountsPage.Found(accounts: [
            .init(
                id: "a", name: "Fanfare on Bluesky (demo)", platform: "sandbox", rulesPlatform: "weibo", handle: "fanfare_bsky", status: "connected",
                followers: 123_456)
        ])
        let model = AccountsPage.model(.init(), found, errors: FormErrors(), base: "/w/demo", canConnect: false, locale: .zhHans)
        #expect(model.rows[0].followers == "12.3万" && model.rows[0].followersExact == "123,456" && model.rows[0].simulates == "weibo")
        let html = AccountsPage.view(model, context(.zhHans, path: "/w/demo/accounts")).rendered
        #expect(html.contains("<td translate=\"no\">Fanfare on Bluesky (demo)</td>") && html.contains("<td translate=\"no\">@fanfare_bsky</td>"))
        #expect(html.contains("platform-sandbox") && html.contains("platform-weibo") && !html.contains("connect-account-form"))
        #expect(VisibleText.latinWords(html).isEmpty, "\(VisibleText.latinWords(html))")
        let none = AccountsPage.model(.init(), .init(), errors: FormErrors(), base: "/w/demo", canConnect: true, locale: .zhHans)
        #expect(none.empty?.contains("连接品牌的第一个账号") == true)
    }
}
