/// Page text of notifications, in both languages (the same keys in each).
extension NotificationsFeature {
    static let stringsEn: [String: String] = [
        "notifications.unread": "new",
        "notifications.none_hint":
            "You are told here when a post waits for your review, when your posts are approved, returned or fail to publish, and when a conversation nears or passes its service level.",
        "notifications.none": "No notification yet.",
        "notifications.mark_read": "Mark all as read",
    ]

    static let stringsZhHans: [String: String] = [
        "notifications.unread": "未读",
        "notifications.none_hint": "有内容等待你审核、你的内容通过审核、被退回或发布失败，以及会话即将或已经超过服务时效时，都会在这里通知你。",
        "notifications.none": "暂无通知。",
        "notifications.mark_read": "全部标为已读",
    ]
}
