import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// The inbox's admin pages: reply library, rules, service levels, feedback
/// tickets, and the fans' public feedback pages.
@Suite struct InboxAdminPagesTests {
    struct Room {
        let t: TestApp
        let ws: Workspace
        let admin: Browser
        var base: String { "/w/\(ws.slug)" }
    }

    func room(_ t: TestApp) async throws -> Room {
        let (_, _, ws) = try await t.makeWorkspaceAdmin("admin@example.com", workspace: "Brand")
        let browser = Browser(t)
        #expect(try await browser.signIn("admin@example.com").status == .seeOther)
        return Room(t: t, ws: ws, admin: browser)
    }

    func location(_ reply: Reply) -> String { reply.headers.first(name: .location) ?? "" }

    /// Turns the workspace's public feedback form on, as its admin would.
    func openPublicForm(_ room: Room) async throws {
        let access = WorkspaceAccess(workspace: room.ws, workspaceID: room.ws.id!, role: .admin, matrix: .standard)
        _ = try await ServiceLevelService(db: room.t.db).update(.init(publicFeedbackForm: true), in: access, actor: .system)
    }

    @discardableResult
    func addTemplate(_ room: Room, name: String, body: String, extra: [(String, String)] = []) async throws -> String {
        try await room.admin.get("\(room.base)/inbox/templates")
        let added = try await room.admin.post(
            "\(room.base)/inbox/templates", [("name", name), ("category", "faq.features"), ("body", body)] + extra)
        #expect(added.status == .seeOther, "\(added.body)")
        let template = try #require(try await ReplyTemplate.query(on: room.t.db).filter(\.$name == name).first())
        return template.id!.uuidString.lowercased()
    }

    @Test(arguments: TestDatabase.available)
    func theReplyLibraryAddsEditsAndExplainsUnknownVariables(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await room(t)
            let page = try await room.admin.get("\(room.base)/inbox/templates")
            #expect(page.status == .ok)
            #expect(page.body.contains("id=\"template-form\"") && page.body.contains("{fan_name}"))
            #expect(page.body.contains("id=\"variant_weibo\""))
            let id = try await addTemplate(
                room, name: "Shipping times", body: "Hi {fan_name}, orders ship within 48 hours.",
                extra: [("variant_weibo", "{fan_name} 您好，48 小时内发货。")])
            let library = try await room.admin.get("\(room.base)/inbox/templates")
            #expect(library.body.contains("id=\"template-\(id)\""))
            #expect(library.body.contains("Shipping times") && library.body.contains("FAQ: features"))
            #expect(library.body.contains("48 小时内发货"))

            let bad = try await room.admin.post(
                "\(room.base)/inbox/templates", [("name", "Broken"), ("category", "faq.features"), ("body", "Hello {foo}")])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.contains("uses the unknown variable {foo}"))
            #expect(bad.body.contains("value=\"Broken\"") && bad.body.contains(">Hello {foo}</textarea>"))
            let tooLong = try await room.admin.post(
                "\(room.base)/inbox/templates",
                [("name", "Long"), ("category", "other"), ("body", "ok"), ("variant_weibo", String(repeating: "长", count: 200))])
            #expect(tooLong.status == .unprocessableEntity && tooLong.body.contains("id=\"variant_weibo-error\""))

            let edit = try await room.admin.get("\(room.base)/inbox/templates/\(id)")
            #expect(edit.body.contains("id=\"edit-template-form\"") && edit.body.contains("48 小时内发货"))
            let saved = try await room.admin.post(
                "\(room.base)/inbox/templates/\(id)", [("name", "Shipping"), ("category", "crisis.apology"), ("body", "Sorry {fan_name}.")])
            #expect(saved.status == .seeOther)
            let template = try #require(try await ReplyTemplate.find(UUID(uuidString: id), on: t.db))
            #expect(template.name == "Shipping" && template.category == "crisis.apology" && template.variants.isEmpty)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRuleIsAddedSummedUpSwitchedOffAndKeepsItsTemplate(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await room(t)
            let templateID = try await addTemplate(room, name: "Prices", body: "Hi {fan_name}, see the price list.")
            let page = try await room.admin.get("\(room.base)/inbox/rules")
            #expect(page.body.contains("id=\"rule-form\"") && page.body.contains("name=\"reply_template_id\""))
            #expect(page.body.contains("Off by default: negative or complaining messages are never answered automatically."))
            let added = try await room.admin.post(
                "\(room.base)/inbox/rules",
                [
                    ("name", "Price questions"), ("keywords", "价格，多少钱"), ("intents", "question"), ("intents", "purchase"),
                    ("reply_template_id", templateID), ("tags", "price"), ("queue", ""), ("hours_from", ""), ("hours_to", ""), ("position", ""),
                ])
            #expect(added.status == .seeOther, "\(added.body)")
            let record = try #require(try await InboxRuleRecord.query(on: t.db).first())
            #expect(record.conditions.intents == ["question", "purchase"] && record.conditions.keywords == ["价格", "多少钱"])
            #expect(record.actions.replyTemplateID?.uuidString.lowercased() == templateID && !record.answersNegative)
            let list = try await room.admin.get("\(room.base)/inbox/rules")
            #expect(list.body.contains("intent is question, wants to buy"))
            #expect(list.body.contains("reply with &quot;<span translate=\"no\">Prices</span>&quot;"))

            let nothing = try await room.admin.post("\(room.base)/inbox/rules", [("name", "Does nothing"), ("intents", "praise")])
            #expect(nothing.status == .unprocessableEntity)
            #expect(nothing.body.contains("must reply, tag, queue or escalate"))
            #expect(nothing.body.contains("id=\"intents-praise\" name=\"intents\" value=\"praise\" checked"))
            let halfHours = try await room.admin.post("\(room.base)/inbox/rules", [("name", "Night"), ("tags", "night"), ("hours_from", "22")])
            #expect(halfHours.status == .unprocessableEntity && halfHours.body.contains("must have both from and to, or neither"))

            let id = record.id!.uuidString.lowercased()
            #expect(try await room.admin.post("\(room.base)/inbox/rules/\(id)/toggle", []).status == .seeOther)
            #expect(try await room.admin.get("\(room.base)/inbox/rules").body.contains("data-enabled=\"false\""))
            let edit = try await room.admin.get("\(room.base)/inbox/rules/\(id)")
            #expect(edit.body.contains("id=\"edit-rule-form\"") && edit.body.contains("value=\"价格, 多少钱\""))
            let saved = try await room.admin.post(
                "\(room.base)/inbox/rules/\(id)",
                [("name", "Angry fans"), ("sentiments", "neg"), ("queue", "experts"), ("escalate", "true"), ("answers_negative", "true")])
            #expect(saved.status == .seeOther, "\(saved.body)")
            let changed = try #require(try await InboxRuleRecord.find(record.id, on: t.db))
            #expect(changed.actions.queue == .experts && changed.actions.escalate && changed.answersNegative && !changed.enabled)
            #expect(changed.actions.replyTemplateID == nil)

            // A template a rule replies with cannot be deleted: the page says why.
            _ = try await room.admin.post(
                "\(room.base)/inbox/rules/\(id)", [("name", "Angry fans"), ("reply_template_id", templateID), ("answers_negative", "true")])
            let refused = try await room.admin.post("\(room.base)/inbox/templates/\(templateID)/delete", [])
            #expect(refused.status == .seeOther && location(refused) == "\(room.base)/inbox/templates/\(templateID)")
            #expect(try await room.admin.get(location(refused)).body.contains("The rule &quot;Angry fans&quot; replies with this template"))
            #expect(try await room.admin.post("\(room.base)/inbox/rules/\(id)/delete", []).status == .seeOther)
            #expect(try await room.admin.post("\(room.base)/inbox/templates/\(templateID)/delete", []).status == .seeOther)
            #expect(try await ReplyTemplate.query(on: t.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func serviceLevelsAreSetAndReported(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await room(t)
            let page = try await room.admin.get("\(room.base)/inbox/service-levels")
            #expect(page.status == .ok)
            #expect(page.body.contains("id=\"service-level-form\"") && page.body.contains("value=\"180\""))
            for table in ["sla-by-agent", "sla-by-account", "sla-by-tier"] { #expect(page.body.contains("id=\"\(table)\"")) }
            #expect(!page.body.contains("/p/\(room.ws.slug)/adopted"))
            let form: [(String, String)] = [
                ("first_response_minutes", "60"), ("resolution_minutes", "1440"), ("warning_percent", "75"), ("auto_reply_cap", "2"),
                ("business_hours_start", "09:00"), ("business_hours_end", "18:00"), ("weekdays", "2"), ("weekdays", "3"), ("public_feedback", "true"),
            ]
            let saved = try await room.admin.post("\(room.base)/inbox/service-levels", form)
            #expect(saved.status == .seeOther, "\(saved.body)")
            let settings = try await InboxSettings.of(room.ws.id!, on: t.db)
            #expect(settings.firstResponseMinutes == 60 && settings.warningPercent == 75 && settings.autoReplyCap == 2 && settings.publicFeedback)
            #expect(settings.businessHours == BusinessHours(start: 540, end: 1_080, weekdays: [2, 3]))
            let after = try await room.admin.get("\(room.base)/inbox/service-levels")
            #expect(after.body.contains("href=\"/p/\(room.ws.slug)/adopted\""))
            #expect(after.body.contains("id=\"weekdays-2\" name=\"weekdays\" value=\"2\" checked"))

            let bad = try await room.admin.post(
                "\(room.base)/inbox/service-levels",
                [("first_response_minutes", "0"), ("resolution_minutes", "1440"), ("warning_percent", "40"), ("auto_reply_cap", "2")])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.contains("must be between 1 minute and 30 days") && bad.body.contains("must be from 50 to 99 percent"))
            #expect(try await InboxSettings.of(room.ws.id!, on: t.db).firstResponseMinutes == 60)

            let cleared = try await room.admin.post(
                "\(room.base)/inbox/service-levels",
                [
                    ("first_response_minutes", "90"), ("resolution_minutes", "1440"), ("warning_percent", "80"), ("auto_reply_cap", "3"),
                    ("business_hours_start", "09:00"), ("business_hours_end", "18:00"), ("clear_business_hours", "true"),
                ])
            #expect(cleared.status == .seeOther)
            let now = try await InboxSettings.of(room.ws.id!, on: t.db)
            #expect(now.businessHours == nil && now.firstResponseMinutes == 90 && !now.publicFeedback)
            #expect(try await room.admin.get("\(room.base)/inbox/service-levels?days=7").body.contains("Last 7 days: 0 conversations"))
            #expect(ServiceLevelPages.duration(42, PageContext.english) == "42 min")
            #expect(ServiceLevelPages.duration(210, PageContext.english) == "3.5 h")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aTicketIsScoredMergedClosedAndListedPublicly(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await room(t)
            let list = try await room.admin.get("\(room.base)/feedback")
            #expect(list.status == .ok && list.body.contains("id=\"ticket-form\""))
            let empty = try await room.admin.post("\(room.base)/feedback", [("title", ""), ("body", ""), ("kind", "suggestion")])
            #expect(empty.status == .unprocessableEntity && empty.body.contains("must be 1 to 5,000 characters"))
            let first = try await room.admin.post(
                "\(room.base)/feedback", [("title", "Dark mode"), ("body", "Please add a dark mode to the app"), ("kind", "suggestion")])
            #expect(first.status == .seeOther)
            let firstPath = location(first)
            let firstPage = try await room.admin.get(firstPath)
            #expect(firstPage.body.contains("id=\"edit-ticket-form\"") && firstPage.body.contains("id=\"close-ticket\""))
            #expect(firstPage.body.contains("id=\"ticket-score\">27<"))

            let scored = try await room.admin.post(
                firstPath,
                [
                    ("title", "Dark mode"), ("body", "Please add a dark mode to the app"), ("kind", "suggestion"), ("impact", "5"), ("urgency", "4"),
                    ("cost", "2"), ("owner_id", ""), ("status", "triaged"), ("public", "true"),
                ])
            #expect(scored.status == .seeOther, "\(scored.body)")
            let rescored = try await room.admin.get(firstPath)
            #expect(rescored.body.contains("score is now 80") && rescored.body.contains("id=\"ticket-score\">80<"))
            #expect(rescored.body.contains("impact 5 · urgency 4 · cost 2"))

            let second = try await room.admin.post(
                "\(room.base)/feedback", [("title", ""), ("body", "Please add a dark mode to the app, my eyes hurt"), ("kind", "suggestion")])
            let secondPage = try await room.admin.get(location(second))
            #expect(secondPage.body.contains("id=\"merge-into-1\"") && secondPage.body.contains("Merge #2 into #1"))
            let firstID = try #require(firstPath.split(separator: "/").last.map(String.init))
            let merged = try await room.admin.post("\(location(second))/merge", [("into", firstID)])
            #expect(merged.status == .seeOther && location(merged) == firstPath)
            #expect(try await room.admin.get(firstPath).body.contains("id=\"ticket-supporters\">2<"))
            let listed = try await room.admin.get("\(room.base)/feedback")
            #expect(listed.body.contains("id=\"ticket-1\"") && !listed.body.contains("id=\"ticket-2\""))
            #expect(try await room.admin.get("\(room.base)/feedback?status=closed").body.contains("id=\"ticket-2\""))

            // Not public yet: the adopted list does not exist.
            #expect(try await Browser(t).get("/p/\(room.ws.slug)/adopted").status == .notFound)

            let noNote = try await room.admin.post("\(firstPath)/close", [("resolution", "adopted"), ("note", " ")])
            #expect(noNote.status == .unprocessableEntity && noNote.body.contains("it is what the fan reads"))
            let closed = try await room.admin.post("\(firstPath)/close", [("resolution", "adopted"), ("note", "Dark mode ships in 2.0.")])
            #expect(closed.status == .seeOther)
            let closedPage = try await room.admin.get(firstPath)
            #expect(
                closedPage.body.contains(#"id="ticket-resolution"><span class="badge tone-success resolution" data-code="adopted">Adopted<"#)
                    && closedPage.body.contains("Dark mode ships in 2.0."))
            #expect(!closedPage.body.contains("id=\"edit-ticket-form\""))

            _ = try await room.admin.get("\(room.base)/inbox/service-levels")
            _ = try await room.admin.post(
                "\(room.base)/inbox/service-levels",
                [
                    ("first_response_minutes", "180"), ("resolution_minutes", "1440"), ("warning_percent", "80"), ("auto_reply_cap", "3"),
                    ("public_feedback", "true"),
                ])
            let adopted = try await Browser(t).get("/p/\(room.ws.slug)/adopted")
            #expect(adopted.status == .ok)
            #expect(
                adopted.body.contains("id=\"adopted-1\"") && adopted.body.contains("Dark mode ships in 2.0.") && adopted.body.contains("2 supporters")
            )

            // A message id that is not one of the workspace's gives an explanation.
            let bogus = try await room.admin.post("\(room.base)/feedback", [("message_id", UUID().uuidString)])
            #expect(bogus.status == .seeOther)
            #expect(try await room.admin.get(location(bogus)).body.contains("is not a message of this workspace"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func aFanSendsFeedbackWithoutAnAccountAndReadsTheAnswer(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await room(t)
            let fan = Browser(t)
            #expect(try await fan.get("/p/no-such-brand/feedback").status == .notFound)
            try await openPublicForm(room)
            let form = try await fan.get("/p/\(room.ws.slug)/feedback")
            #expect(form.status == .ok && form.body.contains("id=\"public-feedback-form\""))
            let empty = try await fan.post("/p/\(room.ws.slug)/feedback", [("name", "Lin"), ("kind", "bug"), ("text", "")])
            #expect(empty.status == .unprocessableEntity && empty.body.contains("id=\"text-error\"") && empty.body.contains("value=\"Lin\""))
            let praise = try await fan.post("/p/\(room.ws.slug)/feedback", [("kind", "praise"), ("text", "Great")])
            #expect(praise.status == .unprocessableEntity)
            let sent = try await fan.post(
                "/p/\(room.ws.slug)/feedback",
                [("name", "Lin"), ("contact", "lin@example.com"), ("kind", "bug"), ("text", "The app crashes on start")])
            #expect(sent.status == .seeOther)
            let receiptPath = location(sent)
            #expect(receiptPath.hasPrefix("/p/\(room.ws.slug)/feedback/"))
            let receipt = try await fan.get(receiptPath)
            #expect(
                receipt.status == .ok && receipt.body.contains("id=\"receipt-number\">#1<") && receipt.body.contains("id=\"receipt-status\">Open<"))
            #expect(try await fan.get("/p/\(room.ws.slug)/feedback/not-a-receipt").status == .notFound)

            let ticket = try #require(try await FeedbackTicket.query(on: t.db).first())
            #expect(ticket.source == "form" && ticket.fanName == "Lin" && ticket.kind == "bug")
            let page = try await room.admin.get("\(room.base)/feedback/\(ticket.id!.uuidString.lowercased())")
            #expect(page.body.contains("lin@example.com"))
            _ = try await room.admin.post(
                "\(room.base)/feedback/\(ticket.id!.uuidString.lowercased())/close",
                [("resolution", "fixed"), ("note", "Fixed in 1.2.1, thank you!")])
            let answered = try await fan.get(receiptPath)
            #expect(answered.body.contains("id=\"receipt-status\">Closed<") && answered.body.contains("Fixed in 1.2.1, thank you!"))
            #expect(answered.body.contains(#"id="receipt-resolution"><span class="badge tone-success resolution" data-code="fixed">Fixed<"#))
        }
    }

    @Test(arguments: TestDatabase.available)
    func aMemberWhoDoesNotManageTheInboxReadsButCannotChange(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await room(t)
            try await addTemplate(room, name: "Hello", body: "Hi {fan_name}")
            let reviewer = try await t.makeUser("reviewer@example.com")
            try await t.addMember(reviewer, to: room.ws, as: .reviewer)
            let browser = Browser(t)
            _ = try await browser.signIn("reviewer@example.com")
            let pages: [(String, String)] = [
                ("inbox/templates", "template-form"), ("inbox/rules", "rule-form"), ("inbox/service-levels", "service-level-form"),
                ("feedback", "ticket-form"),
            ]
            for (path, form) in pages {
                let page = try await browser.get("\(room.base)/\(path)")
                #expect(page.status == .ok, "\(path)")
                #expect(!page.body.contains("id=\"\(form)\""), "\(path) shows \(form)")
            }
            #expect(try await browser.get("\(room.base)/inbox/templates").body.contains("Hello"))
            for (path, _) in pages {
                let refused = try await browser.post("\(room.base)/\(path)", [("name", "x"), ("title", "x"), ("body", "x")])
                #expect(refused.status == .forbidden, "\(path)")
            }
            #expect(try await ReplyTemplate.query(on: t.db).count() == 1)
            #expect(try await FeedbackTicket.query(on: t.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func everyPageReadsInChinese(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await room(t)
            let zhUser = try await t.makeUser("zh@example.com", locale: "zh-Hans")
            try await t.addMember(zhUser, to: room.ws, as: .manager)
            try await addTemplate(room, name: "问候", body: "{fan_name} 您好")
            _ = try await room.admin.post("\(room.base)/feedback", [("title", "深色模式"), ("body", "希望增加深色模式"), ("kind", "suggestion")])
            let ticket = try #require(try await FeedbackTicket.query(on: t.db).first())
            try await openPublicForm(room)
            let browser = Browser(t)
            browser.acceptLanguage = "zh-Hans"
            _ = try await browser.signIn("zh@example.com")
            let paths = [
                "\(room.base)/inbox/templates", "\(room.base)/inbox/rules", "\(room.base)/inbox/service-levels", "\(room.base)/feedback",
                "\(room.base)/feedback/\(ticket.id!.uuidString.lowercased())", "/p/\(room.ws.slug)/feedback",
                "/p/\(room.ws.slug)/feedback/\(ticket.receipt)",
            ]
            for path in paths {
                let page = try await browser.get(path)
                #expect(page.status == .ok, "\(path)")
                for prefix in [">inbox.", ">feedback.", " inbox.", "\"inbox.", ">platform."] {
                    #expect(!page.body.contains(prefix), "\(path) shows a key: \(prefix)")
                }
            }
            let bad = try await browser.post("\(room.base)/inbox/templates", [("name", "坏"), ("category", "other"), ("body", "{foo}")])
            #expect(bad.body.contains("使用了未知变量 {foo}"))
            #expect(try await browser.get("\(room.base)/inbox/templates").body.contains("常见问题：功能"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func aMessageBecomesATicketAndItsFanIsAnsweredOnClosing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await room(t)
            let token = try await t.makeToken(try #require(try await User.query(on: t.db).first()))
            let created = try await t.api(
                .POST, "/api/v1/workspaces/\(room.ws.slug)/accounts", token: token, json: ["platform": "sandbox", "handle": "brand"])
            let account = try #require(try await SocialAccount.find(UUID(uuidString: created.json["id"] as? String ?? ""), on: t.db))
            let engine = try await t.app.moderationEngine(for: room.ws)
            let interaction = Interaction(
                remoteID: "m1", kind: .comment, postRemoteID: "p1", authorID: "fan1", authorName: "小雨", text: "希望能加一个深色模式", at: Date())
            _ = try await MessageIntake.store([interaction], for: account, engine: engine, cursor: "1", now: Date(), on: t.db)
            let message = try #require(try await IncomingMessage.query(on: t.db).first())
            let conversationID = try #require(message.conversationID)

            // The conversation page opens even when its template link names no template of the workspace.
            let gone = try await room.admin.get("\(room.base)/inbox/\(conversationID.uuidString.lowercased())?template_id=\(UUID().uuidString)")
            #expect(
                gone.status == .ok && gone.body.contains("id=\"reply-problem\"") && gone.body.contains("is not a reply template of this workspace"))

            _ = try await room.admin.get("\(room.base)/feedback")
            let made = try await room.admin.post("\(room.base)/feedback", [("message_id", message.id!.uuidString.lowercased())])
            #expect(made.status == .seeOther)
            let page = try await room.admin.get(location(made))
            #expect(page.body.contains("href=\"\(room.base)/inbox/\(conversationID.uuidString.lowercased())\""))
            #expect(page.body.contains("希望能加一个深色模式") && page.body.contains("小雨"))
            let closed = try await room.admin.post("\(location(made))/close", [("resolution", "adopted"), ("note", "深色模式将在下个版本上线，谢谢！")])
            #expect(closed.status == .seeOther)
            let after = try await room.admin.get(location(made))
            #expect(after.body.contains("id=\"notice-state\" data-state=\"queued\""))
        }
    }
}

extension PageContext {
    /// A page context in English without a request, for formatting helpers.
    static var english: PageContext {
        PageContext(locale: .en, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: "/")
    }
}
