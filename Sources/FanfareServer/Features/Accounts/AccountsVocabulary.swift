import FanfareConnectors
import FanfareCore
import Foundation

/// The accounts page's words: every platform's connect form (labels and
/// hints by platform and field key, so the connectors keep their English
/// for the API and the command line) and what connecting answered, in the
/// reader's language. Text between backticks in these strings is a literal
/// to type or copy (an address, a scope, a menu of a Chinese-only
/// platform): the page shows it as code, out of translation.
enum AccountsVocabulary {
    /// The platforms the connect form offers, in the order a Chinese team
    /// meets them. A platform without a connector would say so on its tab
    /// and offer the Sandbox that follows its rules.
    static let platforms = ["weibo", "wechat", "douyin", "xiaohongshu", "bilibili", "mastodon", "bluesky", "webhook", "sandbox"]

    /// The key part of a connection field (`accessToken` → `accesstoken`).
    static func fieldKey(_ key: String) -> String { key.lowercased() }

    static func labelKey(_ platform: String, _ key: String) -> String { "accounts.field.\(platform).\(fieldKey(key))" }
    static func hintKey(_ platform: String, _ key: String) -> String { "accounts.hint.\(platform).\(fieldKey(key))" }

    /// Every label and hint key of every connector's fields, and each
    /// platform's introduction: keys built at run time.
    static var dynamicKeys: [String] {
        ConnectorRegistry.kinds.flatMap { kind in
            kind.connectionFields.flatMap { field in
                [labelKey(kind.platform, field.key)] + (field.hint.isEmpty ? [] : [hintKey(kind.platform, field.key)])
            }
        } + platforms.map { "accounts.intro.\($0)" } + results.map(\.key) + ["accounts.result.required", "accounts.result.already_connected"]
    }

    /// A sentence in the reader's language with typed pieces for `{0}`….
    struct Sentence: Sendable, Equatable {
        var template: String
        var typed: [String] = []
    }

    /// What a connector or the server answered when connecting, matched by
    /// its English sentence; `typed` names the captures that are what the
    /// person typed or an address, kept out of translation. Captures that
    /// are platform names are written in the reader's language.
    private static let results: [(pattern: String, key: String, typed: [Int], platform: Int?)] = [
        // Mastodon
        (
            #"The access token is empty; paste the token shown under Preferences → Development on your instance\."#,
            "accounts.result.mastodon_token_empty", [], nil
        ),
        (
            #"(.+) refused the access token; copy it again in full, or create a new one if it was revoked\."#, "accounts.result.token_refused", [1],
            nil
        ),
        (#"The instance address (.+) has no Mastodon API; check the address\."#, "accounts.result.mastodon_no_api", [1], nil),
        (#"The instance address is empty; enter it like https://mastodon\.social\."#, "accounts.result.mastodon_address_empty", [], nil),
        (
            #"The instance address “(.+)” is not a web address; enter it like https://mastodon\.social\."#, "accounts.result.mastodon_address_bad",
            [1], nil
        ),
        // Bluesky
        (
            #"The app password is empty; create one under Settings → Privacy and security → App passwords\."#,
            "accounts.result.bluesky_password_empty", [], nil
        ),
        (
            #"(.+) refused the handle or app password; check the handle, and use an app password \(Settings → Privacy and security → App passwords\), not the account password\."#,
            "accounts.result.bluesky_refused", [1], nil
        ),
        (#"The service address (.+) is not a Bluesky service; leave it empty for bsky\.social\."#, "accounts.result.bluesky_not_service", [1], nil),
        (#"The service address “(.+)” is not a web address; leave it empty for bsky\.social\."#, "accounts.result.bluesky_service_bad", [1], nil),
        (#"The handle is empty; enter it like alice\.bsky\.social\."#, "accounts.result.bluesky_handle_empty", [], nil),
        (
            #"The handle “(.+)” is incomplete; enter the full handle, like alice\.bsky\.social\."#, "accounts.result.bluesky_handle_incomplete", [1],
            nil
        ),
        // Webhook
        (#"The endpoint address is empty; enter the https:// address that receives the posts\."#, "accounts.result.webhook_empty", [], nil),
        (
            #"The endpoint address “(.+)” is not a web address; enter it like https://example\.com/hooks/fanfare\."#, "accounts.result.webhook_bad",
            [1], nil
        ),
        (#"The signing secret is not a Standard Webhooks secret; .+"#, "accounts.result.webhook_secret_bad", [], nil),
        // Weibo
        (#"Access token is required: paste the token from authorising Fanfare's Weibo app"#, "accounts.result.weibo_token_empty", [], nil),
        (
            #"Safe-domain URL must be an http\(s\) address on your Weibo app's 安全域名, e\.g\. https://brand\.example/"#,
            "accounts.result.weibo_safe_domain", [], nil
        ),
        (
            #"Poster's IP address must be an IPv4 or IPv6 address such as 203\.0\.113\.7 \(Weibo's rip parameter\)"#, "accounts.result.weibo_rip", [],
            nil
        ),
        (#"Weibo says the access token has expired or was revoked; .+"#, "accounts.result.weibo_token_expired", [], nil),
        (#"API address must be an http\(s\) URL such as (\S+)"#, "accounts.result.api_address", [1], nil),
        // WeChat
        (#"AppID must be wx followed by 16 letters or digits, .+"#, "accounts.result.wechat_appid", [], nil),
        (#"AppSecret is required: .+"#, "accounts.result.wechat_secret_empty", [], nil),
        (#"Account type must be subscription \(订阅号\) or service \(服务号\)"#, "accounts.result.wechat_type", [], nil),
        (#"Server token must be the 3 to 32 letters or digits .+"#, "accounts.result.wechat_server_token", [], nil),
        (#"EncodingAESKey must be the 43 letters and digits .+"#, "accounts.result.wechat_aes_key", [], nil),
        (#"Read-original link must be an http\(s\) address on your own site, .+"#, "accounts.result.wechat_read_original", [], nil),
        (#"WeChat does not accept the AppID and AppSecret.*"#, "accounts.result.wechat_refused", [], nil),
        // Douyin and Xiaohongshu
        (#"Client secret must be the app's client_secret .+"#, "accounts.result.douyin_client_secret", [], nil),
        (#"Account open_id must be the open_id .+"#, "accounts.result.douyin_open_id", [], nil),
        (
            #"Account open_id goes together with the client secret and the access token: give it too"#, "accounts.result.douyin_open_id_missing", [],
            nil
        ),
        (
            #"Account open_id goes together with the client secret and the access token: give one of them, or leave it empty"#,
            "accounts.result.douyin_open_id_alone", [], nil
        ),
        (#"Refresh token renews an access token with the app's Client key: .+"#, "accounts.result.douyin_refresh", [], nil),
        (#"Access token, Refresh token and Client key must be at most 512 characters .+"#, "accounts.result.douyin_token_form", [], nil),
        (#"Access token: Douyin says it has expired or was revoked; .+"#, "accounts.result.douyin_token_expired", [], nil),
        (
            #"Access token: (.+); check that it belongs to this open_id and has the video\.list and item\.comment scopes"#,
            "accounts.result.douyin_token_refused", [1], nil
        ),
        (#"Profile link must be the (Xiaohongshu|Douyin) account's profile link, e\.g\. (.+)"#, "accounts.result.profile_link", [2], 1),
        // A workspace's own app on Weibo or Douyin (the key names are the
        // platforms' own, shown as they are)
        (#"(App Key|App Secret|Client key|Client secret) is required"#, "accounts.result.app_required", [1], nil),
        (
            #"(App Key|App Secret|Client key|Client secret) must be (\d+) to (\d+) letters and digits as the platform shows it"#,
            "accounts.result.app_credential_form", [1], nil
        ),
        (#"(App Key) must be digits only, as the platform shows it"#, "accounts.result.app_key_digits", [1], nil),
        (#"Scope must be the scope names (Weibo|Douyin) granted the app, separated by commas, e\.g\. (\S+)"#, "accounts.result.app_scope", [2], 1),
        (#"Scope must include user_info: Fanfare reads the signed-in account's name with it"#, "accounts.result.app_scope_user_info", [], nil),
        (
            #"Douyin does not accept this client key and client secret; copy both again from the app's page"#, "accounts.result.douyin_app_refused",
            [], nil
        ),
        // Bilibili
        (
            #"Client ID must be the open-platform app's client_id as open\.bilibili\.com shows it \(letters and digits only\)"#,
            "accounts.result.bilibili_client_id", [], nil
        ),
        (
            #"App secret must be the open-platform app's secret as open\.bilibili\.com shows it \(at most 128 characters, no spaces\)"#,
            "accounts.result.bilibili_secret", [], nil
        ),
        (
            #"Access token and Refresh token must be at most 512 characters without spaces, as Bilibili gives them"#,
            "accounts.result.bilibili_token_form", [], nil
        ),
        (
            #"Category \(分区\) id must be a whole number such as 21: the 分区 the account's videos are submitted to"#, "accounts.result.bilibili_tid",
            [], nil
        ),
        (
            #"Category \(分区\) id (\d+) is not one Bilibili takes submissions in; the 分区 list \(archive/type/list\) has the ids"#,
            "accounts.result.bilibili_tid_unknown", [1], nil
        ),
        (
            #"Access token: Bilibili says it has expired or was revoked; authorise the app again and paste the new token"#,
            "accounts.result.bilibili_token_expired", [], nil
        ),
        (
            #"Refresh token: Bilibili does not accept it \(each one works once\); authorise the app again and paste the new tokens"#,
            "accounts.result.bilibili_refresh_refused", [], nil
        ),
        (
            #"Bilibili refused the app's signature \(error (-?\d+)\)(.*); check the client ID and the app secret of the open-platform app"#,
            "accounts.result.bilibili_signature", [2], nil
        ),
        (
            #"The account has not granted the open-platform app this permission \(error 127011\); authorise the app again and allow everything it asks for"#,
            "accounts.result.bilibili_not_granted", [], nil
        ),
        (
            #"The open-platform app has no permission for this call \(error 127007\); apply for it on open\.bilibili\.com"#,
            "accounts.result.bilibili_no_permission", [], nil
        ),
        (
            #"Bilibili has not approved the app or its company yet \(error (\d+)\); see 管理中心 on open\.bilibili\.com"#,
            "accounts.result.bilibili_not_approved", [], nil
        ),
        (#"Bilibili refused the request: error (-?\d+)(.*)"#, "accounts.result.bilibili_refused", [2], nil),
        // The connector's general answers
        (#"The platform no longer accepts this account's authorisation: reconnect the account\."#, "accounts.result.expired", [], nil),
        (#"The platform asks to slow down: try again in (\d+) seconds\."#, "accounts.result.rate_limited", [], nil),
        (#"The platform refused: (.+)"#, "accounts.result.refused", [1], nil),
        (#"No answer from the platform \((.+)\); Fanfare checks with the platform before trying again\."#, "accounts.result.no_answer", [1], nil),
        (#"The platform had a passing fault \((.+)\); try again shortly\."#, "accounts.result.passing_fault", [1], nil),
        (#"The platform does not support (.+)\."#, "accounts.result.not_supported", [1], nil),
    ]

    /// What connecting answered, in the reader's language: what a platform
    /// said (its connector's sentence) from the table above, a field left
    /// empty or an account already connected in the page's own words, any
    /// other answer from its code.
    static func result(_ message: CodedMessage, _ locale: UILocale) -> Sentence {
        switch message.code {
        case .platformSaid:
            guard case .text(let said)? = message.arguments["text"] else { break }
            return result(said, locale)
        case .connectionFieldRequired:
            return Sentence(template: I18n.text("accounts.result.required", locale))
        case .accountConnected:
            guard case .text(let platform)? = message.arguments["platform"] else { break }
            return Sentence(
                template: I18n.text("accounts.result.already_connected", locale, [PostVocabulary.known("platform." + platform, locale) ?? platform]))
        default:
            break
        }
        return Sentence(template: message.text(locale).replacingOccurrences(of: "{", with: "｛"))
    }

    /// A connector's English sentence in the reader's language. An unknown
    /// sentence is shown as it came, out of translation, after the page's
    /// own words saying the platform answered so.
    static func result(_ said: String, _ locale: UILocale) -> Sentence {
        for entry in results {
            guard let regex = try? Regex(entry.pattern), let match = said.wholeMatch(of: regex) else { continue }
            var arguments: [String] = []
            var typed: [String] = []
            for index in 1..<match.output.count {
                let value = match.output[index].substring.map(String.init) ?? ""
                if entry.typed.contains(index) {
                    arguments.append("{\(typed.count)}")
                    typed.append(value)
                } else if entry.platform == index {
                    let code = ["Xiaohongshu": "xiaohongshu", "Douyin": "douyin"][value] ?? value
                    arguments.append(PostVocabulary.known("platform." + code, locale) ?? value)
                } else {
                    arguments.append(value)
                }
            }
            return Sentence(template: I18n.text(entry.key, locale, arguments), typed: typed)
        }
        return Sentence(template: I18n.text("accounts.result.platform_said", locale, ["{0}"]), typed: [said])
    }
}
