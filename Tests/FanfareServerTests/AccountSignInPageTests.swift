import FanfareConnectors
import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The sign-in parts of the accounts page, the app page and the reconnect
/// page, drawn without a database in both languages.
@Suite struct AccountSignInPageTests {
    func context(_ locale: UILocale, path: String) -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: path)
    }

    func expectOneLanguage(_ html: String, _ locale: UILocale, _ what: String) {
        if locale == .zhHans {
            #expect(VisibleText.latinWords(html).isEmpty, "\(what): \(VisibleText.latinWords(html))")
        } else {
            #expect(VisibleText.chinese(html).isEmpty, "\(what): \(VisibleText.chinese(html))")
        }
    }

    @Test func weiboAndDouyinOfferSignInOnceTheWorkspacesAppIsEntered() {
        for platform in ["weibo", "douyin"] {
            for locale in UILocale.allCases {
                // Not entered: admins are sent to the app page, others told to ask.
                let admin = AccountsPage.model(
                    .init(platform: platform), .init(), errors: FormErrors(), base: "/w/demo", canConnect: true, locale: locale, canManageApps: true)
                #expect(admin.signIn == nil && admin.appSetup?.href == "/w/demo/accounts/apps/\(platform)")
                let adminHTML = AccountsPage.view(admin, context(locale, path: "/w/demo/accounts")).rendered
                #expect(adminHTML.contains("id=\"app-setup\"") && adminHTML.contains("id=\"connect-account-form\""))
                expectOneLanguage(adminHTML, locale, "\(platform) without app")
                let manager = AccountsPage.model(
                    .init(platform: platform), .init(), errors: FormErrors(), base: "/w/demo", canConnect: true, locale: locale)
                #expect(manager.appSetup?.href == nil && manager.appSetup?.text.isEmpty == false)
                // Entered: one button, nothing to type.
                let ready = AccountsPage.model(
                    .init(platform: platform), .init(apps: [platform]), errors: FormErrors(), base: "/w/demo", canConnect: true, locale: locale,
                    canManageApps: true)
                let signIn = try! #require(ready.signIn)
                #expect(!signIn.asksServer && signIn.action == "/w/demo/accounts/sign-in/\(platform)" && signIn.appHref != nil)
                let html = AccountsPage.view(ready, context(locale, path: "/w/demo/accounts")).rendered
                #expect(html.contains("id=\"sign-in-form\"") && !html.contains("id=\"sign-in-instance\"") && html.contains("id=\"connect-by-token\""))
                expectOneLanguage(html, locale, "\(platform) with app")
            }
        }
        let zh = AccountsPage.model(
            .init(platform: "weibo"), .init(apps: ["weibo"]), errors: FormErrors(), base: "/w/demo", canConnect: true, locale: .zhHans)
        #expect(zh.signIn?.label == "用微博登录")
        let en = AccountsPage.model(
            .init(platform: "douyin"), .init(apps: ["douyin"]), errors: FormErrors(), base: "/w/demo", canConnect: true, locale: .en)
        #expect(en.signIn?.label == "Sign in with Douyin")
        // Mastodon still asks for the instance.
        let mastodon = AccountsPage.model(.init(platform: "mastodon"), .init(), errors: FormErrors(), base: "/w/demo", canConnect: true, locale: .en)
        #expect(mastodon.signIn?.asksServer == true && mastodon.appSetup == nil)
    }

    @Test func anAccountWhoseAuthorisationEndsSoonOrEndedOffersToReconnect() {
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        let found = AccountsPage.Found(
            accounts: [
                .init(
                    id: "w", name: "品牌官方微博", platform: "weibo", rulesPlatform: "weibo", handle: "brand", status: "connected", followers: nil,
                    endsAt: now.addingTimeInterval(3 * 86_400), endsDay: "2026-05-31"),
                .init(
                    id: "b", name: "Brand", platform: "bluesky", rulesPlatform: "bluesky", handle: "brand.bsky.social", status: "needs_reconnect",
                    followers: nil),
                .init(
                    id: "m", name: "Brand", platform: "mastodon", rulesPlatform: "mastodon", handle: "brand@social.example", status: "connected",
                    followers: nil, server: "https://social.example"),
                .init(
                    id: "d", name: "品牌抖音号", platform: "douyin", rulesPlatform: "douyin", handle: "brand", status: "connected", followers: nil,
                    endsAt: now.addingTimeInterval(-60), endsDay: "2026-05-28"),
            ], apps: ["weibo"], now: now)
        for locale in UILocale.allCases {
            let model = AccountsPage.model(.init(), found, errors: FormErrors(), base: "/w/demo", canConnect: true, locale: locale)
            let rows = Dictionary(uniqueKeysWithValues: model.rows.map { ($0.id, $0) })
            #expect(rows["w"]?.reconnect == .signIn(action: "/w/demo/accounts/sign-in/weibo", server: nil, account: "w"))
            #expect(rows["w"]?.tone == .warning && rows["w"]?.expiry != nil && rows["w"]?.status == "connected")
            #expect(rows["b"]?.reconnect == .page(href: "/w/demo/accounts/b/reconnect") && rows["b"]?.tone == .danger)
            #expect(rows["m"]?.reconnect == nil && rows["m"]?.expiry == nil)
            // Ended, with no app to sign in with: reconnected by hand.
            #expect(rows["d"]?.status == "needs_reconnect" && rows["d"]?.reconnect == .page(href: "/w/demo/accounts/d/reconnect"))
            let html = AccountsPage.view(model, context(locale, path: "/w/demo/accounts")).rendered
            #expect(html.contains("id=\"account-w\"") && html.contains("name=\"account\" value=\"w\""))
            expectOneLanguage(html, locale, "rows")
            // A reader sees the state, not the buttons.
            let reader = AccountsPage.model(.init(), found, errors: FormErrors(), base: "/w/demo", canConnect: false, locale: locale)
            #expect(reader.rows.allSatisfy { $0.reconnect == nil })
        }
        let zh = AccountsPage.model(.init(), found, errors: FormErrors(), base: "/w/demo", canConnect: true, locale: .zhHans)
        #expect(zh.rows.first { $0.id == "d" }?.statusLabel == "需要重新连接" && zh.rows.first { $0.id == "d" }?.expiry == "授权已到期")
    }

    @Test func theAppPageShowsTheCallbackToRegisterAndNeverTheSecret() {
        for platform in ["weibo", "douyin"] {
            for locale in UILocale.allCases {
                let empty = PlatformAppPage.model(
                    .init(platform: platform, stored: nil, redirectURI: "https://fanfare.example/oauth/\(platform)/callback"), values: [:],
                    errors: FormErrors(), base: "/w/demo", locale: locale)
                #expect(empty.fields.first { $0.secret }?.required == true && empty.remove == nil)
                let stored = PlatformAppPage.model(
                    .init(
                        platform: platform, stored: ["client_id": "3107116953", "client_key": "awx1y2z3", "rip": "203.0.113.7"],
                        redirectURI: "https://fanfare.example/oauth/\(platform)/callback"), values: [:], errors: FormErrors(), base: "/w/demo",
                    locale: locale)
                let secret = try! #require(stored.fields.first { $0.secret })
                #expect(!secret.required && secret.value.isEmpty && stored.remove != nil)
                let html = PlatformAppPage.view(stored, context(locale, path: "/w/demo/accounts/apps/\(platform)")).rendered
                #expect(html.contains("id=\"redirect-uri\">https://fanfare.example/oauth/\(platform)/callback</code>"))
                #expect(html.contains("type=\"password\" value=\"\""))
                expectOneLanguage(html, locale, "\(platform) app page")
            }
        }
        var errors = FormErrors()
        errors.byField["fields.client_id"] = .platformSaid(text: "App Key must be digits only, as the platform shows it")
        let refused = PlatformAppPage.model(
            .init(platform: "weibo", stored: nil, redirectURI: "x"), values: ["fields.client_id": "abc"], errors: errors, base: "/w/demo",
            locale: .zhHans)
        let key = refused.fields.first { $0.name == "fields[client_id]" }
        #expect(key?.value == "abc" && key?.error == .init(template: "{0} 只能是数字，与微博显示的一致。", typed: ["App Key"]))
    }

    @Test func theReconnectPageFillsInWhatIsKnownAndOffersSigningInAgain() {
        for locale in UILocale.allCases {
            let model = ReconnectPage.model(
                account: .init(
                    id: "a", name: "Brand", platform: "mastodon", handle: "brand@social.example",
                    settings: ["instance_url": "https://social.example", "account_id": "1"]), values: [:], errors: FormErrors(), base: "/w/demo",
                appReady: false, locale: locale)
            #expect(model.fields.first { $0.name == "fields[instance_url]" }?.value == "https://social.example")
            #expect(model.fields.first { $0.secret }?.value == "")
            #expect(model.signIn == .signIn(action: "/w/demo/accounts/sign-in/mastodon", server: "https://social.example", account: "a"))
            let html = ReconnectPage.view(model, context(locale, path: "/w/demo/accounts/a/reconnect")).rendered
            #expect(html.contains("id=\"reconnect-form\"") && html.contains("id=\"reconnect-sign-in\""))
            expectOneLanguage(html, locale, "reconnect page")
            // Weibo without the workspace's app: by hand only.
            let weibo = ReconnectPage.model(
                account: .init(id: "w", name: "品牌", platform: "weibo", handle: "brand", settings: ["uid": "1", "rip": "203.0.113.7"]), values: [:],
                errors: FormErrors(), base: "/w/demo", appReady: false, locale: locale)
            #expect(weibo.signIn == nil && weibo.fields.first { $0.name == "fields[rip]" }?.value == "203.0.113.7")
        }
    }
}
