/// Page text of the audit log, in both languages (the same keys in each).
extension AuditFeature {
    static let stringsEn: [String: String] = [
        "audit.title": "Audit log",
        "audit.actor": "Who (email)",
        "audit.action": "Action",
        "audit.from": "From",
        "audit.to": "To",
        "audit.filter": "Filter",
        "audit.export": "Export CSV",
        "audit.none": "No entries match. Clear the filter to see every entry.",
        "audit.none_yet":
            "Nothing has been recorded yet. Every change made in this workspace (posts, members, accounts, settings) will be listed here.",
        "audit.any_action": "Any action",
        "audit.actor.system": "Fanfare (automatic)",
        "audit.actor.rule": "Rule",
        "audit.actor.cli": "Command line ({0})",
        "audit.actor.anonymous": "Visitor (not signed in)",
        "audit.when": "When",
        "audit.target": "What",
        "audit.before": "Before",
        "audit.after": "After",
    ]

    static let stringsZhHans: [String: String] = [
        "audit.title": "审计日志",
        "audit.actor": "操作人（邮箱）",
        "audit.action": "操作",
        "audit.from": "开始日期",
        "audit.to": "结束日期",
        "audit.filter": "筛选",
        "audit.export": "导出 CSV",
        "audit.none": "没有符合条件的记录。清除筛选条件可查看全部记录。",
        "audit.none_yet": "还没有记录。此工作区中的每一次修改（内容、成员、账号、设置）都会列在这里。",
        "audit.any_action": "全部操作",
        "audit.actor.system": "Fanfare（自动）",
        "audit.actor.rule": "自动规则",
        "audit.actor.cli": "命令行（{0}）",
        "audit.actor.anonymous": "访客（未登录）",
        "audit.when": "时间",
        "audit.target": "对象",
        "audit.before": "修改前",
        "audit.after": "修改后",
    ]
}
