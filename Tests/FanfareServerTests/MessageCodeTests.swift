import FanfareConnectors
import FanfareCore
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// Pages render problems by code in the reader's language; the API says
/// them in English with the code beside. Nothing translates a sentence.
@Suite struct MessageCodeTests {
    /// Tokens a Chinese template may keep in Latin letters: values the
    /// reader types or the API names, and names of standards.
    static let latinAllowed: Set<String> = [
        "JPEG", "PNG", "GIF", "WebP", "MP", "MOV", "Fanfare", "RFC", "ISO", "UTF", "IANA", "ASCII", "CSV", "JSON", "URL", "ID", "UUID", "SHA", "MB",
        "GiB", "YYYY", "MM", "DD", "Z", "T",
        "FANFARE_OUTBOUND_ALLOW", "FANFARE_LEXICON_MAX_TERMS", "openapi", "yaml", "next_cursor", "Asia", "Shanghai", "UTC", "true", "false",
        "null", "me", "none", "id", "kind", "check_in", "poll", "quiz", "lottery", "ugc_challenge", "sign_up", "age_band", "gender", "region",
        "interests", "tags", "consent", "all", "any", "not", "field", "op", "value", "between", "eq", "ne", "in", "not_in", "term", "category",
        "severity", "scope", "warn", "review", "block", "content", "incoming", "advertising_law", "new", "triaged", "in_progress", "window_weeks",
        "adjust", "refund", "comment", "weibo", "points_redemption", "closed", "finished", "e", "g", "CI", "name", "example", "com", "fan", "a",
        "f", "MyBrandChallenge", "API", "Sandbox", "read", "write", "owned", "licensed", "creative_commons", "public_domain",
        // Addresses, the model file's marker and path, its class names.
        "IP", "CIDR", "fd", "FFAM", "Fanfare", "scripts", "analysis", "train", "py", "pos", "neu", "neg",
        // Tracked links' and events' schemes and fields.
        "http", "https", "post_id", "campaign", "account_id", "CNY", "fnf_click", "fan_id", "external_id", "platform", "handle",
        // WeChat template field keys as the template's content writes them ({{thing1.DATA}}).
        "DATA", "thing", "time",
        // A monitor query's operators, typed as they are.
        "AND", "OR", "NOT",
        // Notification channels: the webhook standard and its secret's form.
        "Webhook", "Standard", "Webhooks", "whsec_", "base",
        // The underscore itself, named as a character a value may hold.
        "_",
    ]

    @Test func everyCodeHasAChineseTemplateWithTheSamePlaceholders() {
        for code in MessageCode.allCases {
            guard let chinese = ChineseMessages.templates[code] else {
                Issue.record("\(code.rawValue) has no Chinese template")
                continue
            }
            #expect(
                MessageTemplate.placeholders(in: chinese) == MessageTemplate.placeholders(in: code.english),
                "\(code.rawValue): the Chinese template names other arguments than the English one")
            // Latin words left in the Chinese template, placeholders removed, must be allowed tokens.
            var text = chinese
            for name in MessageTemplate.placeholders(in: chinese) { text = text.replacingOccurrences(of: "{\(name)}", with: "") }
            let words = text.split(whereSeparator: { !($0.isASCII && ($0.isLetter || $0 == "_")) }).map(String.init)
            for word in words where !Self.latinAllowed.contains(word) {
                Issue.record("\(code.rawValue): English word '\(word)' in the Chinese template \(chinese)")
            }
        }
        #expect(ChineseMessages.templates.count == MessageCode.allCases.count, "a Chinese template for a code that does not exist")
    }

    @Test func validatorsSpeakChineseOnChinesePagesAndEnglishInTheAPI() {
        var issues: [FieldIssue] = []
        func collect(_ check: () throws(ValidationErrors) -> Void) {
            do { try check() } catch { issues += error.issues }
        }
        collect { () throws(ValidationErrors) in _ = try Credentials.email("x") }
        collect { () throws(ValidationErrors) in try Credentials.password("x") }
        collect { () throws(ValidationErrors) in _ = try Credentials.displayName("") }
        collect { () throws(ValidationErrors) in _ = try Credentials.timeZone("x") }
        collect { () throws(ValidationErrors) in _ = try UILocale(validating: "fr") }
        collect { () throws(ValidationErrors) in _ = try Role(validating: "owner") }
        collect { () throws(ValidationErrors) in _ = try WorkspaceRules.slug("A") }
        collect { () throws(ValidationErrors) in _ = try PageQuery(limit: "0", cursor: "zz") }
        collect { () throws(ValidationErrors) in _ = try TokenScope.parse(["root"]) }
        collect { () throws(ValidationErrors) in _ = try Lottery.draw(seedHex: "x", entrants: [], winners: 1) }
        #expect(issues.count >= 11)
        for issue in issues {
            #expect(issue.text(.en) == issue.message)
            let chinese = issue.text(.zhHans)
            #expect(chinese != issue.message, "\(issue.code.rawValue): no Chinese for '\(issue.message)'")
            #expect(chinese.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }, "\(chinese)")
        }
        #expect(
            FieldIssue(field: "password", .passwordLength(min: 10, max: 72, count: 5)).text(.zhHans) == "长度须为 10 到 72 字节（当前为 5 字节）")
    }

    @Test func argumentsAreWrittenTheReadersWay() {
        let nested = CodedMessage.onLine(line: 1_234, message: .oneOf(choices: ["warn", "review", "block"]))
        #expect(nested.english == "line 1,234: must be one of: warn, review, block")
        #expect(nested.text(.zhHans) == "第 1,234 行：须为以下之一：warn、review、block")
        #expect(CodedMessage.mediaRequired(kinds: ["image", "video"], platform: "weibo").text(.zhHans) == "weibo 至少需要一个 image 或 video")
        #expect(CodedMessage.mediaRequired(kinds: ["image", "video"], platform: "weibo").english == "needs at least one image or video on weibo")
        #expect(
            CodedMessage.addressUnreachable(host: "mastodon.example").text(.zhHans)
                == "无法连接 mastodon.example。请检查地址；如果它在你们自己的内网中，需由运维人员放行（FANFARE_OUTBOUND_ALLOW）。")
        #expect(GuardedHTTPTransport.unreachable("mastodon.example") == CodedMessage.addressUnreachable(host: "mastodon.example").english)
    }

    /// A refusal made from a code reads in the reader's language on the
    /// error page, and stays English in the API's problem details.
    @Test func aCodedRefusalIsWrittenInTheReadersLanguageOnTheErrorPage() async throws {
        try await withTestApp(.sqlite) { t in
            let problem = Problem(.conflict, .rewardInactive, type: "reward-inactive")
            for (language, expected) in [("zh-CN", "此奖品目前未上架，请先上架。"), ("en", "This reward is not offered now; make it active first.")] {
                let request = Request(application: t.app, headers: ["Accept-Language": language], on: t.app.eventLoopGroup.next())
                let page = await FanfareErrorMiddleware.errorPage(problem, request: request)
                #expect(page.status == .conflict)
                #expect(page.body.string?.contains(expected) == true, "\(language)")
            }
            let request = Request(application: t.app, on: t.app.eventLoopGroup.next())
            let json = FanfareErrorMiddleware.problemResponse(problem, request: request).body.string ?? ""
            #expect(json.contains(#""detail":"This reward is not offered now; make it active first.""#))
            #expect(!json.contains("上架"))
        }
    }

    /// The API names the field and says the problem in English, with its
    /// code and arguments beside, whatever language the person reads.
    @Test(arguments: TestDatabase.available)
    func theAPISaysProblemsInEnglishWithTheirCodes(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let token = try await t.makeToken(try await t.makeUser("zh@example.com", admin: true, locale: "zh-Hans"))
            let reply = try await t.api(.POST, "/api/v1/workspaces", token: token, json: ["name": "", "time_zone": "Mars/Base"])
            #expect(reply.status == .unprocessableEntity)
            #expect(reply.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            let issues = Dictionary(
                uniqueKeysWithValues: (reply.json["errors"] as? [[String: Any]] ?? []).compactMap { issue in
                    (issue["field"] as? String).map { ($0, issue) }
                })
            #expect(issues["name"]?["code"] as? String == "length_between")
            #expect(issues["name"]?["message"] as? String == "must be 1 to 80 characters")
            #expect(issues["name"]?["arguments"] as? [String: Int] == ["min": 1, "max": 80])
            #expect(issues["time_zone"]?["code"] as? String == "time_zone")
            #expect(issues["time_zone"]?["arguments"] == nil, "a message without arguments has none")
            #expect(!reply.body.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }, "\(reply.body)")
        }
    }

    /// Every platform rule a variant can break reads in Chinese.
    @Test func everyRuleAVariantCanBreakReadsInChinese() {
        let long = String(repeating: "春", count: 3_000)
        var seen = 0
        for (platform, rules) in PlatformRules.standard {
            let variants = [
                Variant(
                    title: String(repeating: "题", count: 300), text: long + " #话题# #tag",
                    media: Array(repeating: MediaAttachment(kind: .image, bytes: 1), count: 30)),
                Variant(text: "#半个话题"),
            ]
            for variant in variants {
                for violation in VariantValidator.violations(of: variant, against: rules) {
                    #expect(violation.coded.text(.zhHans) != violation.message, "\(platform): no Chinese for '\(violation.message)'")
                    seen += 1
                }
            }
        }
        #expect(seen > 20)
    }

    /// A code nothing makes is a template nobody reads: every code's
    /// constructor is called somewhere in the sources besides the code
    /// table itself.
    @Test func everyCodeIsMadeSomewhere() throws {
        let sources = ContractTests.repository.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }
            .filter { $0.pathExtension == "swift" }
            .filter { !["MessageCode.swift", "CodedMessage+Codes.swift", "MessageTemplates+zh.swift"].contains($0.lastPathComponent) }
        let text = try files.map { try String(contentsOf: $0, encoding: .utf8) }.joined(separator: "\n")
        for code in MessageCode.allCases {
            // `.name(` for a constructor with arguments, `.name` followed by
            // something other than a letter or digit for one without.
            let name = "\(code)"
            let made = try Regex("\\.\(name)(?![A-Za-z0-9_])")
            #expect(text.contains(made), "\(code.rawValue) is never made")
        }
    }

    /// The sources hold no English validation sentence outside the code
    /// table: a literal passed where a problem is made would not compile
    /// (problems take a `CodedMessage`), and this catches one written into
    /// a problem detail or a string a page shows instead.
    @Test func noValidationSentenceIsWrittenOutsideTheCodeTable() throws {
        let sources = ContractTests.repository.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" && !$0.path.contains("/fanfare-bench/") }
        // A string literal that opens like a validation sentence.
        let pattern = try Regex(
            #""(must (be|not|have|list|name|contain|say|start|differ|hold)|is required|may name|needs a|has unknown|cannot (be|draw|move))[ :]"#)
        var found: [String] = []
        for file in files where !["MessageCode.swift", "MessageTemplates+zh.swift"].contains(file.lastPathComponent) {
            let text = try String(contentsOf: file, encoding: .utf8)
            for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                if line.contains(pattern) { found.append("\(file.lastPathComponent): \(line.trimmingCharacters(in: .whitespaces))") }
            }
        }
        // Settings speak to the operator at start-up, in English, before any page exists.
        found.removeAll { $0.hasPrefix("Settings.swift:") || $0.hasPrefix("ConnectionLimits.swift:") }
        #expect(found == [], "English sentences outside the code table")
    }
}
