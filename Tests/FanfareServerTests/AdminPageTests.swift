import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The admin pages (signing in, setup, one's settings, workspaces,
/// members, invitations, API tokens) as model and view, without a
/// database: labels in the reader's language, typed text kept out of
/// translation, what each reader may do, empty states that say what next.
@Suite struct AdminPageTests {
    func context(_ locale: UILocale, path: String = "/") -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "tok", flashes: [], workspaces: [], access: nil, path: path)
    }

    static let lin = UUID(uuidString: "00000000-0000-0000-0000-000000000001")!
    static let wang = UUID(uuidString: "00000000-0000-0000-0000-000000000002")!
    static let invitation = UUID(uuidString: "00000000-0000-0000-0000-0000000000a1")!

    static let members = MembersPage.Found(
        members: [
            .init(id: lin, name: "林晓", email: "lin@example.com", role: "admin", joined: Date(timeIntervalSince1970: 1_800_000_000)),
            .init(id: wang, name: "王芳", email: "wang@example.com", role: "editor", joined: nil),
        ],
        invitations: [
            .init(id: invitation, role: "reviewer", email: "zhao@example.com", state: .pending, expires: Date(timeIntervalSince1970: 1_800_600_000)),
            .init(id: UUID(), role: "agent", email: nil, state: .expired, expires: Date(timeIntervalSince1970: 1_700_000_000)),
        ])

    // MARK: Members and invitations

    @Test func aManagerChangesRolesAndRevokesOpenInvitationsOnly() {
        let model = MembersPage.model(
            Self.members, abilities: .init(role: .admin, manage: true, invite: true), base: "/w/demo", locale: .zhHans)
        #expect(model.members.map(\.roleLabel) == ["管理员", "内容编辑"])
        #expect(model.members[0].roleAction == "/w/demo/members/\(Self.lin.uuidString)/role")
        #expect(model.members[1].removeAction == "/w/demo/members/\(Self.wang.uuidString)/remove")
        #expect(model.invitations.map(\.stateLabel) == ["待接受", "已过期"])
        #expect(model.invitations.map(\.tone) == [.info, .warning])
        #expect(model.invitations[0].revokeAction == "/w/demo/invitations/\(Self.invitation.uuidString)/revoke")
        #expect(model.invitations[1].revokeAction == nil, "an expired invitation cannot be revoked")
        #expect(model.inviteRoles.first?.value == "admin" && model.inviteRoles.first?.label == "管理员")
    }

    @Test func aViewerSeesRolesAsTextAndNoForms() {
        let model = MembersPage.model(
            Self.members, abilities: .init(role: .editor, manage: false, invite: false), base: "/w/demo", locale: .en)
        #expect(model.members.allSatisfy { $0.roleAction == nil && $0.removeAction == nil })
        #expect(model.invitations.allSatisfy { $0.revokeAction == nil })
        #expect(model.inviteRoles.isEmpty)
        let html = MembersPage.view(model, context(.en)).rendered
        #expect(!html.contains("id=\"invite-form\"") && !html.contains("<select name=\"role\""))
        #expect(html.contains("<td>Editor</td>"))
        #expect(html.contains("data-state=\"expired\">Expired</span>"))
    }

    @Test func aManagerWhoIsNotAdminCannotInviteAnAdmin() {
        let model = MembersPage.model(
            Self.members, abilities: .init(role: .manager, manage: true, invite: true), base: "/w/demo", locale: .en)
        #expect(!model.inviteRoles.contains { $0.value == "admin" })
        #expect(model.inviteRoles.contains { $0.value == "editor" && $0.label == "Editor" })
    }

    @Test func theMembersViewKeepsNamesOutOfTranslationAndShowsANewLinkOnce() {
        let zh = context(.zhHans, path: "/w/demo/members")
        let model = MembersPage.model(
            Self.members, abilities: .init(role: .admin, manage: true, invite: true), base: "/w/demo",
            newLink: (url: "https://fanfare.example/invitations/abc", role: "reviewer"), locale: .zhHans)
        let html = MembersPage.view(model, zh).rendered
        #expect(html.contains("<tr data-email=\"lin@example.com\"><td translate=\"no\">林晓</td><td translate=\"no\">lin@example.com</td>"))
        #expect(html.contains("<td translate=\"no\">zhao@example.com</td>"))
        #expect(html.contains("角色为「审核员」的邀请链接"))
        #expect(html.contains("id=\"invitation-link\" value=\"https://fanfare.example/invitations/abc\""))
        #expect(html.contains("<div class=\"table-scroll\"><table id=\"member-list\">"))
        let again = MembersPage.view(
            MembersPage.model(Self.members, abilities: .init(role: .admin, manage: true, invite: true), base: "/w/demo", locale: .zhHans), zh
        ).rendered
        #expect(!again.contains("invitation-link"), "the link is shown only when it is made")
    }

    @Test func withoutInvitationsThePageSaysHowToInvite() {
        let empty = MembersPage.Found(members: Self.members.members, invitations: [])
        let inviter = MembersPage.model(empty, abilities: .init(role: .admin, manage: true, invite: true), base: "/w/demo", locale: .zhHans)
        #expect(inviter.invitationsEmpty.contains("邀请同事"))
        let html = MembersPage.view(inviter, context(.zhHans)).rendered
        #expect(html.contains("id=\"invitations-empty\"") && !html.contains("invitation-list"))
        let viewer = MembersPage.model(empty, abilities: .init(role: .agent, manage: false, invite: false), base: "/w/demo", locale: .en)
        #expect(viewer.invitationsEmpty == "No invitations yet.")
    }

    // MARK: Accepting an invitation

    @Test func anInvitationNamesTheWorkspaceAsTypedAndTheRoleInTheReadersLanguage() {
        let found = InvitationPage.Found(workspaceName: "Spring Tea", role: "editor", email: "wang@example.com")
        let zh = InvitationPage.model(found, token: "t0k-en", signedInAs: nil, locale: .zhHans)
        #expect(zh.roleLabel == "内容编辑")
        #expect(zh.email == "wang@example.com", "the invited address fills the form")
        #expect(zh.signInHref == "/sign-in?next=/invitations/t0k-en")
        let html = InvitationPage.view(zh, context(.zhHans)).rendered
        #expect(html.contains("你被邀请以「内容编辑」身份加入 <span translate=\"no\">Spring Tea</span>。"))
        #expect(html.contains("id=\"register-form\"") && html.contains("name=\"locale\" value=\"zh-Hans\""))
        let signedIn = InvitationPage.model(found, token: "x", signedInAs: "lin@example.com", locale: .en)
        let en = InvitationPage.view(signedIn, context(.en)).rendered
        #expect(en.contains("You are signed in as <span translate=\"no\">lin@example.com</span>."))
        #expect(en.contains("id=\"accept-invitation-form\"") && !en.contains("register-form"))
        let retyped = InvitationPage.model(found, token: "x", signedInAs: nil, values: ["email": "typo@example.com"], locale: .en)
        #expect(retyped.email == "typo@example.com", "what was typed is kept on a refusal")
    }

    // MARK: Workspaces

    @Test func theWorkspaceListNamesRolesAndSaysWhatToDoWhenEmpty() {
        let found = WorkspaceListPage.Found(workspaces: [.init(name: "春风茶饮", slug: "spring-tea", role: .legal)])
        let model = WorkspaceListPage.model(.init(), found, mayCreate: true, userTimeZone: "Europe/Berlin", locale: .zhHans)
        #expect(model.rows == [.init(name: "春风茶饮", slug: "spring-tea", href: "/w/spring-tea", role: I18n.text("role.legal", .zhHans, []))])
        #expect(model.rows[0].role != "legal")
        #expect(model.timeZone == "Europe/Berlin")
        let html = WorkspaceListPage.view(model, context(.zhHans)).rendered
        #expect(html.contains("<a href=\"/w/spring-tea\" translate=\"no\">春风茶饮</a>"))
        #expect(html.contains("id=\"new-workspace-form\""))

        let creator = WorkspaceListPage.model(.init(), .init(), mayCreate: true, userTimeZone: nil, locale: .zhHans)
        #expect(creator.empty == "你还不是任何工作区的成员。请在下方创建第一个工作区：每个品牌一个。")
        #expect(creator.timeZone == "Asia/Shanghai")
        let member = WorkspaceListPage.model(.init(refused: true), .init(), mayCreate: false, userTimeZone: nil, locale: .en)
        #expect(member.empty?.contains("invitation link") == true)
        let refused = WorkspaceListPage.view(member, context(.en)).rendered
        #expect(refused.contains("id=\"workspaces-admins-only\" class=\"flash flash-error\" role=\"alert\""))
        #expect(!refused.contains("new-workspace-form") && !refused.contains("workspace-list"))
    }

    @Test func workspaceSettingsShowTheAddressAsTyped() {
        let model = WorkspaceSettingsPage.model(values: ["name": "春风茶饮", "time_zone": "Asia/Shanghai"], slug: "spring-tea")
        let html = WorkspaceSettingsPage.view(model, context(.zhHans)).rendered
        #expect(html.contains("它的页面位于 <code translate=\"no\">/w/spring-tea</code>，该地址不会改变。"))
        #expect(html.contains("value=\"春风茶饮\"") && html.contains("工作区设置"))
        #expect(WorkspaceSettingsPage.view(model, context(.en)).rendered.contains("Workspace settings"))
    }

    // MARK: API tokens

    @Test func tokensShowScopesAndStateInTheReadersLanguage() {
        let id = UUID()
        let found = TokensPage.Found(tokens: [
            .init(id: id, name: "报表脚本", hint: "fnf_ab12", scopes: "read write", createdAt: .now, lastUsedAt: nil, revoked: false),
            .init(id: UUID(), name: "old", hint: "fnf_zz99", scopes: "read", createdAt: .now, lastUsedAt: .now, revoked: true),
        ])
        let zh = TokensPage.model(found, locale: .zhHans)
        #expect(zh.rows.map(\.scopes) == ["读取、写入", "读取"])
        #expect(zh.rows.map(\.stateLabel) == ["有效", "已撤销"])
        #expect(zh.rows[0].revokeAction == "/settings/tokens/\(id.uuidString)/revoke" && zh.rows[1].revokeAction == nil)
        #expect(TokensPage.model(found, locale: .en).rows[0].scopes == "Read, Write")
        #expect(TokensPage.scopeLabels("admin", .en) == "admin", "an unknown scope is shown as itself")
        let html = TokensPage.view(zh, context(.zhHans)).rendered
        #expect(html.contains("<td translate=\"no\">报表脚本</td><td><code translate=\"no\">fnf_ab12…</code></td>"))
        #expect(!html.contains("id=\"new-token\""), "a token is shown only when it is made")
    }

    @Test func aNewTokenIsShownOnceAndAnEmptyListSaysWhatNext() {
        let model = TokensPage.model(.init(), created: "fnf_secret", locale: .zhHans)
        #expect(model.empty == "还没有令牌。请在下方创建一个，让脚本以你的身份使用 API。")
        let html = TokensPage.view(model, context(.zhHans)).rendered
        #expect(html.contains("id=\"new-token\" value=\"fnf_secret\""))
        #expect(html.contains("id=\"tokens-empty\"") && !html.contains("token-list"))
        #expect(TokensPage.model(.init(), locale: .en).empty?.hasPrefix("No tokens yet.") == true)
    }

    // MARK: Signing in, setup, settings

    @Test func signInKeepsTheTypedEmailAndTheReturnPath() {
        var errors = FormErrors()
        errors.general = I18n.text("signin.wrong", .zhHans, [])
        let html = SessionPage.signInView(SessionPage.signIn(email: "lin@example.com", next: "/w/demo", errors: errors), context(.zhHans)).rendered
        #expect(html.contains("name=\"next\" value=\"/w/demo\""))
        #expect(html.contains("value=\"lin@example.com\""))
        #expect(html.contains("邮箱或密码不正确。") && html.contains("<h1>登录</h1>"))
        #expect(html.contains("name=\"csrf_token\" value=\"tok\""))
        let already = SessionPage.signedInView(email: "lin@example.com", context(.en)).rendered
        #expect(already.contains("You are signed in as <span translate=\"no\">lin@example.com</span>."))
    }

    @Test func setupOffersTheReadersLanguageAndChinasTimeZone() {
        let model = SessionPage.setup(values: [:], locale: .en)
        #expect(model.locale == "en" && model.timeZone == "Asia/Shanghai")
        #expect(SessionPage.setup(values: ["locale": "zh-Hans", "time_zone": "UTC"], locale: .en).timeZone == "UTC")
        let html = SessionPage.setupView(SessionPage.setup(values: [:], locale: .zhHans), context(.zhHans)).rendered
        #expect(html.contains("初始化 Fanfare") && html.contains("id=\"setup-form\""))
        #expect(html.contains("value=\"Asia/Shanghai\" list=\"time-zone-names\"") && html.contains("translate=\"no\""))
    }

    @Test func profileAndPasswordPagesReadInBothLanguages() {
        let profile = SettingsPage.profile(values: ["display_name": "林晓", "locale": "zh-Hans", "time_zone": "Asia/Shanghai"])
        let zh = SettingsPage.profileView(profile, context(.zhHans)).rendered
        #expect(zh.contains("<h1>个人资料</h1>") && zh.contains("value=\"林晓\""))
        #expect(zh.contains("<option value=\"zh-Hans\" lang=\"zh-Hans\" selected>简体中文</option>"))
        let en = SettingsPage.passwordView(errors: FormErrors(), context(.en)).rendered
        #expect(en.contains("<h1>Change password</h1>") && en.contains("signs you out everywhere else"))
        var locked = FormErrors()
        locked.general = I18n.text("password.locked", .zhHans, ["3"])
        #expect(SettingsPage.passwordView(errors: locked, context(.zhHans)).rendered.contains("请在 3 分钟后再试"))
    }
}
