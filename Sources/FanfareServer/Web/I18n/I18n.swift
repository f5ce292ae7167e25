import FanfareCore

/// Page text in both languages. `{0}`, `{1}` … are replaced by arguments.
/// A test fails when a key exists in one language only, or when a page
/// uses a key that neither has.
enum I18n {
    static func text(_ key: String, _ locale: UILocale, _ arguments: [String] = []) -> String {
        let table = locale == .en ? Strings.en : Strings.zhHans
        var text = table[key] ?? Strings.en[key] ?? key
        for (index, argument) in arguments.enumerated() {
            text = text.replacingOccurrences(of: "{\(index)}", with: argument)
        }
        return text
    }

    /// Keys built at run time from a value (roles, states, statuses), which
    /// a search of the sources for literal keys cannot see.
    static var dynamicKeys: [String] {
        Role.allCases.map { "role.\($0.rawValue)" }
            + ["pending", "accepted", "revoked", "expired"].map { "invitation.state.\($0)" }
            + PlatformRules.standard.keys.map { "platform.\($0)" }
            + SocialAccount.Status.allCases.map { "accounts.status.\($0.rawValue)" }
            + Post.Status.allCases.map { "post.status.\($0.rawValue)" }
            + PostVariant.State.allCases.map { "variant.state.\($0.rawValue)" }
            + Pillar.allCases.map { "pillar.\($0.rawValue)" } + ContentFormat.allCases.map { "format.\($0.rawValue)" }
            + ContentPool.allCases.map { "pool.\($0.rawValue)" } + ReviewDecision.allCases.map { "review.decision.\($0.rawValue)" }
            + ["running", "published", "reconciled", "retry", "unconfirmed", "failed", "hand_off"].map { "attempt.\($0)" }
            + MetricsSnapshotter.milestones.map { "metrics.\($0.label)" }
            + Topic.Status.allCases.map { "topic.status.\($0.rawValue)" } + LicenceKind.allCases.map { "licence.\($0.rawValue)" }
            + ["running", "warning", "breached", "met", "missed"].map { "inbox.clock.\($0)" }
            + ["ok", "warning", "breached", "done"].map { "inbox.sla.\($0)" }
            + Conversation.Status.allCases.map { "inbox.status.\($0.rawValue)" }
            + InboxReply.Status.allCases.map { "inbox.reply_status.\($0.rawValue)" }
            + ["comment", "mention", "direct_message"].map { "inbox.kind.\($0)" } + ["post", "dm", "mention"].map { "inbox.thread.\($0)" }
            + Strings.inboxAdminDynamicKeys + Strings.fansDynamicKeys + ConversationFilterKeys.all.map { "inbox.filter.\($0)" }
            + ["first_response", "resolution"].flatMap { ["inbox.note_\($0)_warning", "inbox.note_\($0)_breached"] }
            + ["400", "401", "403", "404", "409", "410", "413", "415", "422", "429", "500", "other"].flatMap {
                ["error.\($0)", "error.\($0).detail"]
            }
    }
}
