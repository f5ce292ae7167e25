/// The few words the charts add themselves (everything else is passed in
/// already translated), in both languages with the same keys; merged into
/// the shared table by `Strings`.
enum ChartStrings {
    static let en: [String: String] = [
        "chart.table": "Data table",
        "chart.empty": "No data for this period yet.",
        "chart.date": "Date",
        "chart.category": "Item",
        "chart.total": "Total",
        "chart.flagged": "Marked",
        "chart.tone_note": "Green is better, red is worse.",
        "chart.funnel.step": "Step",
        "chart.funnel.count": "Count",
        "chart.funnel.from_previous": "From the step before",
        "chart.funnel.from_first": "From the first step",
        "chart.quadrant.quadrant": "Quadrant",
        "chart.quadrant.split_median": "Split at the medians: {0}, {1}.",
        "chart.quadrant.split_given": "Split at {0} and {1}.",
        "chart.sparkline": "{0}: from {1} to {2}, lowest {3}, highest {4}",
        "chart.sparkline_empty": "{0}: no data yet",
    ]

    static let zhHans: [String: String] = [
        "chart.table": "数据表",
        "chart.empty": "这段时间还没有数据。",
        "chart.date": "日期",
        "chart.category": "项目",
        "chart.total": "合计",
        "chart.flagged": "标记点",
        "chart.tone_note": "绿色表示向好，红色表示变差。",
        "chart.funnel.step": "步骤",
        "chart.funnel.count": "数量",
        "chart.funnel.from_previous": "较上一步转化率",
        "chart.funnel.from_first": "整体转化率",
        "chart.quadrant.quadrant": "象限",
        "chart.quadrant.split_median": "以中位数分界：{0}，{1}。",
        "chart.quadrant.split_given": "分界：{0}，{1}。",
        "chart.sparkline": "{0}：从 {1} 到 {2}，最低 {3}，最高 {4}",
        "chart.sparkline_empty": "{0}：暂无数据",
    ]
}
