/// The knowledge base's words, in both languages with the same keys.
extension KnowledgeFeature {
    static let stringsEn: [String: String] = [
        "nav.knowledge": "Knowledge base",
        "knowledge.title": "Knowledge base",
        "knowledge.intro":
            "Campaign post-mortems and incident reviews, searched together. Chinese is found by any two or more characters of a word, English by whole words; every word typed must be found.",
        "knowledge.q": "Search",
        "knowledge.q_placeholder": "e.g. creators or budget",
        "knowledge.kind": "Kind",
        "knowledge.kind.post_mortem": "Post-mortem",
        "knowledge.kind.incident_review": "Incident review",
        "knowledge.tag": "Tag",
        "knowledge.platform": "Platform",
        "knowledge.year": "Year",
        "knowledge.all": "All",
        "knowledge.search": "Search",
        "knowledge.empty":
            "Nothing is in the knowledge base yet. It fills itself: close a campaign and complete its post-mortem, or write an incident's review.",
        "knowledge.none": "Nothing matches every word. Try fewer words or clear a filter.",
        "knowledge.too_short": "A single Chinese character is too common to search for: type at least two characters of the word.",
        "knowledge.found": "{0} found, best first.",
        "knowledge.recent": "The newest {0}; type words to search.",
    ]

    static let stringsZhHans: [String: String] = [
        "nav.knowledge": "知识库",
        "knowledge.title": "知识库",
        "knowledge.intro": "活动复盘与事件复盘一起检索。中文输入词语中任意两个及以上的连续字即可找到，英文按整词查找；输入的每个词都必须出现。",
        "knowledge.q": "搜索",
        "knowledge.q_placeholder": "例如：达人、预算",
        "knowledge.kind": "类型",
        "knowledge.kind.post_mortem": "活动复盘",
        "knowledge.kind.incident_review": "事件复盘",
        "knowledge.tag": "标签",
        "knowledge.platform": "平台",
        "knowledge.year": "年份",
        "knowledge.all": "全部",
        "knowledge.search": "搜索",
        "knowledge.empty": "知识库里还没有内容。它会自动积累：结束一个活动并完成复盘，或撰写事件复盘。",
        "knowledge.none": "没有同时包含所有词的文档。试试减少关键词或清除筛选条件。",
        "knowledge.too_short": "单个汉字太常见，无法单独检索：请至少输入词语中的两个字。",
        "knowledge.found": "找到 {0} 篇，按相关度排列。",
        "knowledge.recent": "最新的 {0} 篇；输入关键词开始搜索。",
    ]
}
