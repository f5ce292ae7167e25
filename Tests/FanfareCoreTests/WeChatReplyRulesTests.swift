import FanfareCore
import Foundation
import Testing

/// WeChat's customer-service window (48 hours after the fan's latest
/// message, 5 messages in it) and the checks on template messages'
/// fields, without a database.
@Suite struct WeChatServiceWindowTests {
    /// The fan's message: 2026-11-23 10:00 Beijing time.
    let wrote = Date(timeIntervalSince1970: 1_795_399_200)
    let hour: TimeInterval = 3_600

    @Test func theWindowOpensAtTheFansMessageAndClosesExactly48HoursLater() {
        let justOpened = WeChatServiceWindow.at(wrote, lastFanMessage: wrote, replies: [])
        #expect(justOpened.state == .open && justOpened.opensAt == wrote && justOpened.closesAt == wrote.addingTimeInterval(48 * hour))
        #expect(justOpened.remainingMessages == 5 && justOpened.remainingTime(at: wrote) == 48 * hour)
        #expect(justOpened.refusal == nil)

        let lastSecond = WeChatServiceWindow.at(wrote.addingTimeInterval(48 * hour - 1), lastFanMessage: wrote, replies: [])
        #expect(lastSecond.state == .open && lastSecond.remainingTime(at: wrote.addingTimeInterval(48 * hour - 1)) == 1)

        let atClose = WeChatServiceWindow.at(wrote.addingTimeInterval(48 * hour), lastFanMessage: wrote, replies: [])
        #expect(atClose.state == .closed, "at exactly 48 hours nothing more goes out")
        #expect(atClose.remainingMessages == 0 && atClose.remainingTime(at: wrote.addingTimeInterval(48 * hour)) == 0)
        #expect(atClose.refusal == .wechatWindowClosed(hours: 48))
        #expect(atClose.refusal?.code.rawValue == "wechat_window_closed")
        #expect(atClose.refusal?.english.contains("48 hours") == true)
    }

    @Test func fiveMessagesFillTheWindowAndOnlyRepliesSinceTheFansMessageCount() {
        let before = [wrote.addingTimeInterval(-10 * hour), wrote.addingTimeInterval(-1)]
        let four = (0..<4).map { wrote.addingTimeInterval(Double($0) * hour) }
        let open = WeChatServiceWindow.at(wrote.addingTimeInterval(5 * hour), lastFanMessage: wrote, replies: before + four)
        #expect(open.state == .open && open.sent == 4 && open.remainingMessages == 1, "replies before the fan's message do not count")

        let five = four + [wrote.addingTimeInterval(4 * hour)]
        let full = WeChatServiceWindow.at(wrote.addingTimeInterval(5 * hour), lastFanMessage: wrote, replies: five)
        #expect(full.state == .full && full.sent == 5 && full.remainingMessages == 0)
        #expect(full.refusal == .wechatWindowFull(max: 5) && full.refusal?.code.rawValue == "wechat_window_full")

        // A reply at the very instant of the fan's message is in the window.
        let sameInstant = WeChatServiceWindow.at(wrote, lastFanMessage: wrote, replies: [wrote])
        #expect(sameInstant.sent == 1)
        // Closed wins over full: after 48 hours the window is closed, however many went out.
        #expect(WeChatServiceWindow.at(wrote.addingTimeInterval(49 * hour), lastFanMessage: wrote, replies: five).state == .closed)
    }

    @Test func aNewMessageFromTheFanOpensAFreshWindow() {
        let replies = (0..<5).map { wrote.addingTimeInterval(Double($0) * 60) }
        #expect(WeChatServiceWindow.at(wrote.addingTimeInterval(hour), lastFanMessage: wrote, replies: replies).state == .full)
        // The fan writes again two hours later: a new 48 hours, a fresh count.
        let again = wrote.addingTimeInterval(2 * hour)
        let reopened = WeChatServiceWindow.at(again.addingTimeInterval(60), lastFanMessage: again, replies: replies)
        #expect(reopened.state == .open && reopened.sent == 0 && reopened.remainingMessages == 5)
        #expect(reopened.closesAt == again.addingTimeInterval(48 * hour))
        // …and after a closed window too.
        let late = wrote.addingTimeInterval(60 * hour)
        #expect(WeChatServiceWindow.at(late, lastFanMessage: wrote, replies: []).state == .closed)
        #expect(WeChatServiceWindow.at(late, lastFanMessage: late.addingTimeInterval(-60), replies: []).state == .open)
    }

    @Test func theCountAndLengthAreTheDocumentedOnes() {
        #expect(WeChatServiceWindow.length == 172_800)
        #expect(WeChatServiceWindow.messagesPerWindow == 5)
    }
}

@Suite struct WeChatTemplateRulesTests {
    @Test func aFieldsTypeIsReadFromItsKey() {
        #expect(WeChatTemplateRules.FieldKind.of(key: "thing1") == .thing)
        #expect(WeChatTemplateRules.FieldKind.of(key: "character_string12") == .characterString)
        #expect(WeChatTemplateRules.FieldKind.of(key: "phone_number3") == .phoneNumber)
        #expect(WeChatTemplateRules.FieldKind.of(key: "time20") == .time)
        #expect(WeChatTemplateRules.FieldKind.of(key: "keyword1") == .other)
        #expect(WeChatTemplateRules.FieldKind.of(key: "remark") == .other)
    }

    @Test func valuesAreCheckedByTheirFieldsType() {
        func ok(_ key: String, _ value: String) -> Bool { WeChatTemplateRules.valueProblem(key: key, value: value) == nil }
        #expect(ok("thing1", String(repeating: "好", count: 20)) && !ok("thing1", String(repeating: "好", count: 21)))
        #expect(WeChatTemplateRules.valueProblem(key: "thing1", value: String(repeating: "a", count: 21)) == .lengthAtMost(max: 20))
        #expect(ok("number2", "12.50") && !ok("number2", "12a") && !ok("number2", String(repeating: "1", count: 33)))
        #expect(ok("letter3", "ABC") && !ok("letter3", "AB1"))
        #expect(ok("symbol4", "#*") && !ok("symbol4", "#a") && !ok("symbol4", "!!!!!!"))
        #expect(ok("character_string5", "SF-1234_x") && !ok("character_string5", "测试单号"), "no Chinese in a character string")
        #expect(ok("amount6", "¥99.00") && ok("amount6", "99元") && ok("amount6", "$1234567890") && !ok("amount6", "¥12345678901"))
        #expect(!ok("amount6", "九十九元"))
        #expect(ok("phone_number7", "+86-0766-66888866") && !ok("phone_number7", "call 123"))
        #expect(ok("car_number8", "粤A8Z888挂") && !ok("car_number8", "粤A 8Z888"))
        #expect(ok("name9", "张三") && !ok("name9", String(repeating: "张", count: 11)) && ok("name9", "Alexandra Smithsonia"))
        #expect(ok("phrase10", "配送中") && !ok("phrase10", "邀请金到账提醒") && !ok("phrase10", "ok"))
        #expect(ok("time11", "2026年11月23日 15:01") && ok("date12", "2026-11-23"))
        #expect(ok("keyword1", String(repeating: "字", count: 20)) && !ok("keyword1", String(repeating: "字", count: 21)))
        #expect(WeChatTemplateRules.valueProblem(key: "thing1", value: "") == .notEmpty)
        #expect(WeChatTemplateRules.valueProblem(key: "thing1", value: "两行\n文字") == .controlCharacters)
    }

    @Test func everyFieldIsRequiredAndUnknownFieldsAreNamed() {
        let keys = ["thing1", "time2", "character_string3"]
        let issues = WeChatTemplateRules.dataProblems(keys: keys, data: ["thing1": "  ", "time2": "15:01", "thing9": "x"])
        #expect(issues.map(\.field) == ["data.thing1", "data.character_string3", "data.thing9"])
        #expect(issues.map(\.code.rawValue) == ["not_empty", "not_empty", "wechat_template_unknown_field"])
        #expect(issues.last?.message == "is not a field of this template; its fields are thing1, time2, character_string3")
        #expect(WeChatTemplateRules.dataProblems(keys: keys, data: ["thing1": "订单已发货", "time2": "15:01", "character_string3": "SF1"]).isEmpty)
    }

    @Test func aTemplatesSetUpNamesWhatIsWrong() {
        #expect(WeChatTemplateRules.setUpProblems(templateID: "1nP16v0mAxPbdUqo4FHCyWvc7yhUYZRADksFbDRh-44", title: "发货通知", keys: ["thing1"]).isEmpty)
        let issues = WeChatTemplateRules.setUpProblems(templateID: "not an id!", title: "", keys: ["thing1", "Thing2", "thing1", "time 3"])
        #expect(issues.map(\.field) == ["template_id", "title", "fields", "fields", "fields"])
        #expect(issues.map(\.code.rawValue).contains("wechat_template_key_repeated"))
        #expect(WeChatTemplateRules.setUpProblems(templateID: "abc", title: "x", keys: []).map(\.code.rawValue) == ["wechat_template_key_count"])
        #expect(WeChatTemplateRules.keyProblem("character_string12") == nil && WeChatTemplateRules.keyProblem("1thing") != nil)
    }
}
