/// Page text of the calendar and best times to post, in both languages (the same keys in each).
extension CalendarFeature {
    static let stringsEn: [String: String] = [
        "besttime.title": "Best time to post",
        "besttime.explain":
            "Engagement rate (%) of this workspace's own published posts by weekday and hour, in the workspace's time zone. An hour shows a rate once it has at least {0} posts.",
        "besttime.too_few": "{0} post(s): too few to tell",
        "besttime.schedule_at": "Schedule at the best time: {0}",
        "calendar.title": "Calendar",
        "calendar.theme": "Theme of the week",
        "calendar.theme_this_week": "Theme of this week",
        "calendar.save_theme": "Save theme",
        "calendar.theme_saved": "The week's theme is saved.",
        "calendar.warnings": "Check these",
        "calendar.view.week": "Week view",
        "calendar.view.month": "Month view",
        "calendar.drag_hint":
            "Drag a scheduled post to another day to move it; it keeps its time. Without a mouse, change the time on the post's page.",
        "weekday.1": "Mon", "weekday.2": "Tue", "weekday.3": "Wed", "weekday.4": "Thu", "weekday.5": "Fri", "weekday.6": "Sat", "weekday.7": "Sun",
    ]

    static let stringsZhHans: [String: String] = [
        "besttime.title": "最佳发布时间",
        "besttime.explain": "本工作区已发布内容按星期与小时统计的互动率（%），以工作区时区计。某个小时至少有 {0} 条内容时才显示数值。",
        "besttime.too_few": "{0} 条内容：样本太少",
        "besttime.schedule_at": "排在最佳时间：{0}",
        "calendar.title": "内容日历",
        "calendar.theme": "本周主题",
        "calendar.theme_this_week": "本周主题",
        "calendar.save_theme": "保存主题",
        "calendar.theme_saved": "本周主题已保存。",
        "calendar.warnings": "请注意",
        "calendar.view.week": "周视图",
        "calendar.view.month": "月视图",
        "calendar.drag_hint": "把已排期的内容拖到另一天即可改期，发布时刻不变。不用鼠标时，可在内容详情页修改时间。",
        "weekday.1": "周一", "weekday.2": "周二", "weekday.3": "周三", "weekday.4": "周四", "weekday.5": "周五", "weekday.6": "周六", "weekday.7": "周日",
    ]
}
