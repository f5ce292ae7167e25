import FanfareConnectors
import FanfareCore
import Foundation
import Testing

@Suite struct HandOffTests {
    let xhs = PlatformRules.standard["xiaohongshu"]!
    let douyin = PlatformRules.standard["douyin"]!

    /// The kinds make no network calls; a transport that fails proves it.
    struct NoNetwork: HTTPTransport {
        func send(_ request: HTTPRequestData, timeout: TimeInterval) async throws(ConnectorError) -> HTTPResponseData {
            throw .temporary(reason: "no network in this test")
        }
    }

    @Test func handOffPlatformsSayWhyAndRefuseToPublish() async throws {
        for kind in [HandOffKind.xiaohongshu, HandOffKind.douyin] {
            let connector = kind.connector(
                for: AccountConnection(handle: "brand", settings: [:], credentials: ConnectorCredentials(accessToken: "")), transport: NoNetwork(),
                clock: { Date() })
            #expect(connector.platform == kind.platform)
            let capabilities = connector.capabilities
            #expect(!capabilities.unattendedPublishing)
            let reason = try #require(capabilities.handOffReason)
            #expect(reason.contains(kind.platform == "douyin" ? "2022" : "no API for publishing"))
            do {
                _ = try await connector.publish(PublishRequest(idempotencyKey: "k", variant: Variant(text: "x")))
                Issue.record("\(kind.platform) published unattended")
            } catch {
                guard case .notSupported(let why) = error else { Issue.record("\(error)"); continue }
                #expect(why.hasPrefix(reason))
            }
            #expect(try await connector.findPost(idempotencyKey: "k") == nil)
            #expect(try await connector.interactions(since: nil, limit: 10).interactions.isEmpty)
        }
    }

    @Test func aXiaohongshuPackageIsReadyToPasteWithStepsInOrder() {
        let variant = Variant(
            title: "春日穿搭｜三套通勤look", text: "今天分享三套春季通勤穿搭 #春季穿搭 #通勤", tags: ["#OOTD", "通勤"],
            media: [MediaAttachment(kind: .image, bytes: 1_258_291), MediaAttachment(kind: .image, bytes: 2 << 20)])
        let package = HandOffPackage.build(from: variant, rules: xhs, account: "@品牌小红书")
        #expect(package.title == "春日穿搭｜三套通勤look")
        #expect(package.body == "今天分享三套春季通勤穿搭 #春季穿搭 #通勤\n\n#OOTD", "a tag already in the text is not repeated")
        #expect(package.topics == ["春季穿搭", "通勤", "OOTD"])
        #expect(package.media.map(\.position) == [1, 2])
        #expect(package.isReady, "\(package.problems)")
        #expect(
            package.checklist == [
                "Open Xiaohongshu on a phone signed in as @品牌小红书, tap + and pick the images in this order: 1. image (1.2 MB), 2. image (2.0 MB).",
                "Check the cover: it is the first image; tap 编辑封面 to change it.",
                "Paste the title: 春日穿搭｜三套通勤look",
                "Paste the body.",
                "Check the topics #春季穿搭, #通勤, #OOTD: each should show as a link; if one stays plain text, delete it, type # and pick it from the suggestions.",
                "Tap 发布笔记 to publish.",
                "Open the published note, tap 分享 → 复制链接 (share → copy link), and paste the link back into Fanfare.",
            ])
    }

    @Test func whatBreaksThePlatformsRulesIsListedNotCut() {
        let long = Variant(title: nil, text: String(repeating: "长", count: 1_001), media: [MediaAttachment(kind: .image, bytes: 1)])
        let package = HandOffPackage.build(from: long, rules: xhs)
        #expect(package.body.count == 1_001)
        #expect(Set(package.problems.map(\.rule)) == ["text.too_long", "title.required"])
        #expect(!package.isReady)
        #expect(!package.checklist.contains { $0.hasPrefix("Paste the title") })
    }

    @Test func aDouyinPackageAsksForTheVideoAndItsCover() {
        let variant = Variant(text: "新品开箱 #开箱", media: [MediaAttachment(kind: .video, bytes: 80 << 20)])
        let package = HandOffPackage.build(from: variant, rules: douyin)
        #expect(package.isReady)
        #expect(package.checklist.first == "Open Douyin on a phone signed in to the account, tap + and pick the video.")
        #expect(package.checklist.contains("Tap 选封面 and set the cover."))
        #expect(package.checklist.contains("Paste the description (作品描述)."))
        #expect(package.checklist.last?.contains("Open the published video") == true)
        let silent = HandOffPackage.build(from: Variant(text: "没有视频"), rules: douyin)
        #expect(silent.problems.map(\.rule) == ["media.required"])
    }

    @Test func publishedLinksAreAcceptedInTheShapesTheAppsShare() throws {
        let note = try HandOffPackage.validatePublishedURL(
            "https://www.xiaohongshu.com/explore/66f1a2b3000000001e01c0de?xsec_token=AB12&xsec_source=pc_user", platform: "xiaohongshu")
        #expect(note.remoteID == "66f1a2b3000000001e01c0de")
        #expect(note.url.hasPrefix("https://www.xiaohongshu.com/explore/66f1a2b3000000001e01c0de?xsec_token="))
        let shared = try HandOffPackage.validatePublishedURL(
            "春日穿搭｜三套通勤look 小红书 http://xhslink.com/a/Ab3dEf9，复制本条信息，打开【小红书】App查看精彩内容！", platform: "xiaohongshu")
        #expect(shared == HandOffLink(url: "https://xhslink.com/a/Ab3dEf9", remoteID: "xhslink:a/Ab3dEf9"))
        #expect(
            try HandOffPackage.validatePublishedURL("www.xiaohongshu.com/discovery/item/66f1a2b3000000001e01c0de", platform: "xiaohongshu")
                .remoteID == "66f1a2b3000000001e01c0de")
        let video = try HandOffPackage.validatePublishedURL("https://www.douyin.com/video/7301234567890123456", platform: "douyin")
        #expect(video.remoteID == "7301234567890123456")
        let douyinShare = try HandOffPackage.validatePublishedURL(
            "7.43 复制打开抖音，看看【品牌的作品】新品开箱 # 开箱 https://v.douyin.com/iRNBho6u/ 01/23 a@b.cn :5pm", platform: "douyin")
        #expect(douyinShare == HandOffLink(url: "https://v.douyin.com/iRNBho6u/", remoteID: "v.douyin:iRNBho6u"))
    }

    @Test func aWrongLinkSaysWhatIsWrong() {
        func reason(_ pasted: String, _ platform: String) -> String {
            do {
                let link = try HandOffPackage.validatePublishedURL(pasted, platform: platform)
                return "accepted \(link.url)"
            } catch {
                guard case .rejected(let reason) = error else { return "\(error)" }
                return reason
            }
        }
        #expect(reason("https://www.douyin.com/video/7301234567890123456", "xiaohongshu").contains("That is a Douyin link"))
        #expect(reason("https://www.xiaohongshu.com/user/profile/5f0c3a2b000000000101d7e2", "xiaohongshu").contains("profile link, not a post"))
        #expect(reason("https://www.xiaohongshu.com/explore", "xiaohongshu").contains("does not point to a post"))
        #expect(reason("https://www.douyin.com/video/abc", "douyin").contains("does not point to a post"))
        #expect(reason("https://weibo.com/123/456", "douyin").contains("weibo.com is not a Douyin address"))
        #expect(reason("发好了", "xiaohongshu").contains("There is no link"))
        #expect(throws: ConnectorError.self) { try HandOffPackage.validatePublishedURL("https://weibo.com/1/2", platform: "weibo") }
    }

    @Test func connectingTakesTheProfileLinkOnly() async throws {
        let kind = HandOffKind.xiaohongshu
        #expect(kind.connectionFields.map(\.key) == ["profileURL", "handle"])
        #expect(kind.connectionFields.allSatisfy { !$0.secret })
        let connection = try await kind.connect(
            fields: ["profileURL": "https://www.xiaohongshu.com/user/profile/5f0c3a2b000000000101d7e2?xsec_token=x", "handle": "品牌小红书"],
            transport: NoNetwork(), now: Date())
        #expect(connection.handle == "品牌小红书")
        #expect(connection.settings["profileID"] == "5f0c3a2b000000000101d7e2")
        #expect(connection.credentials.accessToken.isEmpty)
        let douyin = try await HandOffKind.douyin.connect(
            fields: ["profileURL": "https://www.douyin.com/user/MS4wLjABAAAAv7iSuuXDJGDvJkmH_vz1qkDZYo1apxgzaxdBSeIuPiM"], transport: NoNetwork(),
            now: Date())
        #expect(douyin.handle == "MS4wLjABAAAAv7iSuuXDJGDvJkmH_vz1qkDZYo1apxgzaxdBSeIuPiM")
        for (kind, pasted) in [
            (HandOffKind.xiaohongshu, "https://www.xiaohongshu.com/explore/66f1a2b3000000001e01c0de"), (HandOffKind.douyin, "@brand"),
            (HandOffKind.douyin, "https://www.xiaohongshu.com/user/profile/5f0c3a2b000000000101d7e2"),
        ] {
            do {
                _ = try await kind.connect(fields: ["profileURL": pasted], transport: NoNetwork(), now: Date())
                Issue.record("\(pasted) was accepted as a \(kind.platform) profile")
            } catch {
                guard case .rejected(let reason) = error else { Issue.record("\(error)"); continue }
                #expect(reason.hasPrefix("Profile link must be"))
            }
        }
    }
}
