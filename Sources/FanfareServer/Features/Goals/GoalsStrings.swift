extension GoalsFeature {
    static let stringsEn: [String: String] = [
        "goals.notice.off_track": "Goal off track: {0}. Its projection misses the target by more than the workspace's tolerance.",
        "goals.phase.foundation": "Phase 1 (months 1–3): build the audience",
        "goals.phase.deep_operation": "Phase 2 (months 4–6): deepen the relationship",
        "goals.phase.monetisation": "Phase 3 (months 7–12): turn it into business",
        "goals.template.follower_growth": "Grow followers by 50,000 a month",
        "goals.template.comment_rate": "Reach a 10 % comment rate",
        "goals.template.content_pillars": "Build 3 content pillars",
        "goals.template.vip_share": "Raise the VIP share to 25 %",
        "goals.template.content_conversion": "Reach 8 % content conversion",
        "goals.template.community_interactions": "Raise community interactions by 40 %",
        "goals.template.roi": "Reach an ROI of 3:1",
        "goals.template.repurchase": "Raise repurchase to 35 %",
        "goals.template.brand_search": "Raise the brand search index by 50 %",
    ]

    static let stringsZhHans: [String: String] = [
        "goals.notice.off_track": "目标偏离：{0}。按当前趋势预测，到截止日将比目标差出工作区设定的容差以上。",
        "goals.phase.foundation": "第一阶段（第 1–3 个月）：用户基础建设",
        "goals.phase.deep_operation": "第二阶段（第 4–6 个月）：用户深度运营",
        "goals.phase.monetisation": "第三阶段（第 7–12 个月）：商业转化",
        "goals.template.follower_growth": "粉丝月均增长 5 万",
        "goals.template.comment_rate": "评论率达到 10%",
        "goals.template.content_pillars": "建立 3 大内容板块",
        "goals.template.vip_share": "高价值会员用户占比提升至 25%",
        "goals.template.content_conversion": "内容转化率达到 8%",
        "goals.template.community_interactions": "社群互动量提升 40%",
        "goals.template.roi": "投入产出比达到 3:1",
        "goals.template.repurchase": "复购率提升至 35%",
        "goals.template.brand_search": "品牌搜索指数提升 50%",
    ]
}
