extension ListeningFeature {
    static let stringsEn: [String: String] = [
        "listening.alert.raised.blue": "Blue alert: {0} heard {1} mentions in the last window",
        "listening.alert.raised.yellow": "Yellow alert: {0} heard {1} mentions in the last window",
        "listening.alert.raised.orange": "Orange alert: {0} heard {1} mentions in the last window",
        "listening.alert.raised.red": "Red alert: {0} heard {1} mentions in the last window",
        "listening.alert.escalated.blue": "Alert of {0} raised to blue: {1} mentions in the last window",
        "listening.alert.escalated.yellow": "Alert of {0} raised to yellow: {1} mentions in the last window",
        "listening.alert.escalated.orange": "Alert of {0} raised to orange: {1} mentions in the last window",
        "listening.alert.escalated.red": "Alert of {0} raised to red: {1} mentions in the last window",
    ]

    static let stringsZhHans: [String: String] = [
        "listening.alert.raised.blue": "蓝色预警：监测「{0}」最近一个时段听到 {1} 条提及",
        "listening.alert.raised.yellow": "黄色预警：监测「{0}」最近一个时段听到 {1} 条提及",
        "listening.alert.raised.orange": "橙色预警：监测「{0}」最近一个时段听到 {1} 条提及",
        "listening.alert.raised.red": "红色预警：监测「{0}」最近一个时段听到 {1} 条提及",
        "listening.alert.escalated.blue": "监测「{0}」的预警升为蓝色：最近一个时段 {1} 条提及",
        "listening.alert.escalated.yellow": "监测「{0}」的预警升为黄色：最近一个时段 {1} 条提及",
        "listening.alert.escalated.orange": "监测「{0}」的预警升为橙色：最近一个时段 {1} 条提及",
        "listening.alert.escalated.red": "监测「{0}」的预警升为红色：最近一个时段 {1} 条提及",
    ]
}
