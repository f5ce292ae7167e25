/// Page text of notifications, in both languages (the same keys in each).
extension NotificationsFeature {
    static let stringsEn: [String: String] = [
        "notifications.none": "Nothing for you yet.",
        "notifications.mark_read": "Mark all as read",
    ]

    static let stringsZhHans: [String: String] = [
        "notifications.none": "暂无通知。",
        "notifications.mark_read": "全部标为已读",
    ]
}
