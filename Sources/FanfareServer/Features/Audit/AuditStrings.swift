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
        "audit.none": "No entries match.",
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
        "audit.none": "没有符合条件的记录。",
        "audit.when": "时间",
        "audit.target": "对象",
        "audit.before": "修改前",
        "audit.after": "修改后",
    ]
}
