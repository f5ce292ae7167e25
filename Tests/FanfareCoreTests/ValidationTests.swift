import FanfareCore
import Foundation
import Testing

@Suite struct CredentialsTests {
    @Test func emailsAreTrimmedAndLowerCased() throws {
        #expect(try Credentials.email("  Li.Lei@Example.COM ") == "li.lei@example.com")
    }

    @Test(arguments: ["", "no-at", "a@b", "@example.com", "a@.com", "a@example.", "a b@example.com", "a@@example.com"])
    func badEmailsAreRefusedNamingTheField(_ raw: String) {
        #expect(throws: ValidationErrors.self) { try Credentials.email(raw, field: "email") }
    }

    @Test func passwordLengthIsCountedInBytesBecauseBcryptIs() throws {
        try Credentials.password(String(repeating: "a", count: 10))
        try Credentials.password(String(repeating: "a", count: 72))
        #expect(throws: ValidationErrors.self) { try Credentials.password(String(repeating: "a", count: 9)) }
        #expect(throws: ValidationErrors.self) { try Credentials.password(String(repeating: "a", count: 73)) }
        // 25 CJK characters are 75 bytes in UTF-8: over the limit.
        #expect(throws: ValidationErrors.self) { try Credentials.password(String(repeating: "密", count: 25)) }
        try Credentials.password(String(repeating: "密", count: 24))
    }

    @Test func displayNamesRefuseControlCharactersAndEmptiness() throws {
        #expect(try Credentials.displayName("  王小明 ") == "王小明")
        #expect(throws: ValidationErrors.self) { try Credentials.displayName("   ") }
        #expect(throws: ValidationErrors.self) { try Credentials.displayName("a\u{0007}b") }
        #expect(throws: ValidationErrors.self) { try Credentials.displayName(String(repeating: "x", count: 81)) }
    }

    @Test func timeZonesMustBeIANANames() throws {
        #expect(try Credentials.timeZone("Asia/Shanghai") == "Asia/Shanghai")
        #expect(throws: ValidationErrors.self) { try Credentials.timeZone("Mars/Olympus") }
        #expect(throws: ValidationErrors.self) { try Credentials.timeZone("") }
    }

    @Test func localesNegotiateFromAcceptLanguage() {
        #expect(UILocale.negotiate(acceptLanguage: nil) == .zhHans)
        #expect(UILocale.negotiate(acceptLanguage: "en-US,en;q=0.9") == .en)
        #expect(UILocale.negotiate(acceptLanguage: "de-DE, en;q=0.5, zh-CN;q=0.8") == .zhHans)
        #expect(UILocale.negotiate(acceptLanguage: "fr") == .zhHans)
    }

    @Test func collectingKeepsEveryIssue() {
        var errors = ValidationErrors()
        _ = errors.collect { () throws(ValidationErrors) in try Credentials.email("x") }
        _ = errors.collect { () throws(ValidationErrors) in try Credentials.timeZone("nowhere", field: "time_zone") }
        #expect(errors.issues.map(\.field) == ["email", "time_zone"])
    }
}

@Suite struct WorkspaceRulesTests {
    @Test(arguments: ["ab", "brand-1", "a1", String(repeating: "a", count: 40)])
    func goodSlugs(_ slug: String) throws {
        #expect(try WorkspaceRules.slug(slug) == slug)
    }

    @Test(arguments: ["a", "-ab", "ab-", "AB", "品牌", "a_b", "a b", String(repeating: "a", count: 41)])
    func badSlugs(_ slug: String) {
        #expect(throws: ValidationErrors.self) { try WorkspaceRules.slug(slug) }
    }

    @Test func slugsAreProposedFromTheLatinPartOfANameOrTheFallback() {
        #expect(WorkspaceRules.proposeSlug(from: "品牌甲 Alpha", fallback: "ws") == "alpha")
        #expect(WorkspaceRules.proposeSlug(from: "Acme Coffee — Shanghai!", fallback: "ws") == "acme-coffee-shanghai")
        #expect(WorkspaceRules.proposeSlug(from: "品牌", fallback: "ws") == "ws")
        let long = WorkspaceRules.proposeSlug(from: String(repeating: "abc ", count: 30), fallback: "ws")
        #expect(long.count <= 40 && !long.hasSuffix("-"))
    }

    @Test func theLastAdminCannotBeDemotedOrRemoved() {
        #expect(WorkspaceRules.refusal(changing: .admin, to: .editor, adminCount: 1) != nil)
        #expect(WorkspaceRules.refusal(changing: .admin, to: nil, adminCount: 1) != nil)
        #expect(WorkspaceRules.refusal(changing: .admin, to: .editor, adminCount: 2) == nil)
        #expect(WorkspaceRules.refusal(changing: .editor, to: nil, adminCount: 1) == nil)
        #expect(WorkspaceRules.refusal(changing: .admin, to: .admin, adminCount: 1) == nil)
    }

    @Test func onlyAdminsGrantAdmin() {
        #expect(WorkspaceRules.mayGrant(.admin, inviterRole: .admin))
        #expect(!WorkspaceRules.mayGrant(.admin, inviterRole: .manager))
        #expect(WorkspaceRules.mayGrant(.editor, inviterRole: .manager))
    }
}
