import FanfareCore
import FanfareServer
import Foundation

/// The search part of `fanfare-bench campaigns` (issue 22): a knowledge
/// base of generated documents, half Chinese and half English, searched
/// with the written query set below. Recall is judged against what each
/// query means, computed with plain string operations over the generated
/// text (a Chinese term: the documents containing it; an English word:
/// those containing it as a whole word), not with the index's tokens.
enum KnowledgeSearchPart {
    static let chineseWords = [
        "达人", "预算", "直播", "转化", "粉丝", "曝光", "互动", "投放", "复盘", "舆情", "内容", "选题", "活动", "上新", "礼盒", "社群", "私域", "种草",
        "笔记", "短视频", "评论", "私信", "客服", "物流", "发货", "退款", "优惠券", "满减", "秒杀", "预热", "爆发", "长尾", "门店", "会员", "积分",
        "签到", "抽奖", "话题", "热搜", "品牌", "声量", "口碑", "投诉", "危机", "回应", "声明", "排期", "审核", "违规", "封面", "标题", "文案",
        "脚本", "剪辑", "主播", "场观", "停留时长", "完播率", "点击率", "收藏", "转发", "关注", "增长", "留存", "复购", "客单价", "毛利", "成本",
        "回报", "止损", "渠道", "信息流", "搜索", "推荐", "算法", "流量", "冷启动", "矩阵", "账号", "运营", "策划", "执行", "目标", "进度", "延误",
        "风险", "预案", "演练", "数据", "看板", "周报", "月报", "季度", "节日", "春节", "开学季", "夏季", "冬季", "合作", "新品", "用户", "团队",
    ]
    static let englishWords = [
        "creators", "budget", "live", "stream", "conversion", "fans", "reach", "engagement", "paid", "review", "sentiment", "content", "topic",
        "campaign", "launch", "gift", "community", "private", "notes", "video", "comments", "messages", "support", "shipping", "refund", "coupon",
        "discount", "flash", "sale", "warmup", "burst", "tail", "store", "members", "points", "checkin", "raffle", "trending", "brand", "voice",
        "complaint", "crisis", "response", "statement", "schedule", "approval", "cover", "title", "copy", "script", "editing", "host", "viewers",
        "watch", "time", "completion", "rate", "clicks", "saves", "shares", "follows", "growth", "retention", "repeat", "basket", "margin", "cost",
        "return", "channel", "feed", "search", "algorithm", "traffic", "account", "team", "goal", "progress", "delay", "risk", "plan", "drill",
        "data", "dashboard", "weekly", "monthly", "quarter", "holiday", "summer", "winter", "product", "users", "partner", "lesson", "next",
    ]
    /// Terms planted in a few documents each: the recall queries.
    static let rareChinese = ["围炉煮茶", "多巴胺穿搭", "特种兵旅游", "雪糕刺客", "电子木鱼", "城市漫步", "搭子社交", "情绪价值", "松弛感", "显眼包"]
    static let rareEnglish = ["zeppelin", "quokka", "marmalade", "xylophone", "kaleidoscope", "origami", "tamarind", "fjord", "sundial", "pinwheel"]
    /// Common terms and pairs: the timing's hard cases (many candidates).
    static let commonQueries = ["预算", "达人 投放", "直播复盘", "budget", "creators review", "live stream", "预算 budget", "信息流投放"]
    static let plantedPerTerm = 5

    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// The generated documents: even ones Chinese, odd ones English; each
    /// rare term planted in `plantedPerTerm` documents of its language.
    static func documents(count: Int, seed: UInt64) -> [KnowledgeLoad.Document] {
        var random = SplitMix(state: seed)
        var documents: [KnowledgeLoad.Document] = []
        documents.reserveCapacity(count)
        for index in 0..<count {
            let chinese = index % 2 == 0
            let words = chinese ? chineseWords : englishWords
            let title = (0..<3).map { _ in words[random.below(words.count)] }.joined(separator: chinese ? "" : " ")
            var sentences: [String] = []
            for _ in 0..<6 {
                let sentence = (0..<(chinese ? 8 : 9)).map { _ in words[random.below(words.count)] }
                sentences.append(chinese ? sentence.joined() + "。" : sentence.joined(separator: " ") + ".")
            }
            documents.append(
                KnowledgeLoad.Document(
                    title: title, body: sentences.joined(separator: chinese ? "" : " "), tags: [words[random.below(words.count)]],
                    year: 2020 + random.below(7)))
        }
        for (offset, term) in (rareChinese + rareEnglish).enumerated() {
            let chinese = offset < rareChinese.count
            for copy in 0..<plantedPerTerm {
                // Spread over the whole base, in a document of the term's language.
                var index = (offset * 7_919 + copy * (count / plantedPerTerm + 1)) % count
                if (index % 2 == 0) != chinese { index = (index + 1) % count }
                documents[index].body += chinese ? "这次试了\(term)的玩法。" : " We tried the \(term) idea."
            }
        }
        return documents
    }

    /// Whether `document` holds `query` as meant: every Chinese run as
    /// written, every other word as a whole word (case aside).
    static func matches(_ document: KnowledgeLoad.Document, _ query: String) -> Bool {
        let text = document.title + " " + document.body
        let lower = text.lowercased()
        let words = Set(lower.split(whereSeparator: { !($0.isLetter || $0.isNumber) || isChinese($0) }).map(String.init))
        for part in query.split(separator: " ") {
            let term = String(part)
            if term.unicodeScalars.contains(where: { SearchTerms.isWrittenWithoutSpaces($0) }) {
                if !text.contains(term) { return false }
            } else if !words.contains(term.lowercased()) {
                return false
            }
        }
        return true
    }

    static func isChinese(_ character: Character) -> Bool {
        character.unicodeScalars.contains { SearchTerms.isWrittenWithoutSpaces($0) }
    }
}
