import Foundation

// Per-post exports (issue 18 scope 2c): WeChat's 单篇图文, Douyin's 作品列表
// and Weibo's 博文 lists give each published post's totals, which no API
// Fanfare can use reports. A row names its post by a link, an id or its
// title; it is matched to one published variant of the chosen account and
// stored as that post's day. Written for people in docs/analytics.md
// ("Per-post exports"); the server reads the file, the account's published
// variants and their stored days, and writes what `PostImportPlan` says.

extension PlatformExports {
    /// The per-post kinds' column maps. As for the daily kinds, the
    /// platforms publish no export headers: each column accepts the names
    /// the backends show, the platform API's field name and an English name.
    public static let postKinds: [ExportKind] = [
        ExportKind(
            id: "wechat.article_list", platform: "wechat",
            columns: [
                ExportColumn(.title, .count, ["标题", "文章标题", "图文标题", "内容标题", "title"]),
                ExportColumn(.link, .count, ["链接", "文章链接", "图文链接", "原文链接", "url", "link"]),
                ExportColumn(.postID, .count, ["msgid", "消息id", "图文id", "文章id", "article_id", "msg_id"]),
                ExportColumn(.published, .count, ["发表时间", "群发时间", "发布时间", "发送时间", "发表日期", "群发日期", "publish_time", "published"]),
                ExportColumn(.value("int_page_read_user"), .count, ["阅读人数", "总阅读人数", "图文页阅读人数", "int_page_read_user", "readers"]),
                ExportColumn(.value("int_page_read_count"), .count, ["阅读次数", "总阅读次数", "图文页阅读次数", "阅读量", "int_page_read_count", "reads"]),
                ExportColumn(.value("share_user"), .count, ["分享人数", "分享转发人数", "share_user", "sharers"]),
                ExportColumn(.value("share_count"), .count, ["分享次数", "分享转发次数", "分享", "share_count", "shares"]),
                ExportColumn(.value("add_to_fav_user"), .count, ["收藏人数", "微信收藏人数", "add_to_fav_user"]),
                ExportColumn(.value("add_to_fav_count"), .count, ["收藏次数", "收藏", "add_to_fav_count", "saves"]),
                ExportColumn(.value("like_count"), .count, ["点赞人数", "点赞数", "点赞", "赞", "like_count", "likes"]),
                ExportColumn(.value("zaikan_count"), .count, ["在看人数", "在看数", "在看", "zaikan_count"]),
                ExportColumn(.value("comment_count"), .count, ["留言人数", "留言数", "留言", "评论数", "评论", "comment_count", "comments"]),
                ExportColumn(.value("ori_page_read_user"), .count, ["阅读原文人数", "原文页阅读人数", "ori_page_read_user"]),
                ExportColumn(.value("ori_page_read_count"), .count, ["阅读原文次数", "原文页阅读次数", "ori_page_read_count"]),
                ExportColumn(.value("target_user"), .count, ["送达人数", "target_user", "recipients"]),
                ExportColumn(.value("read_complete_rate"), .ratio, ["阅读完成率", "完读率", "read_complete_rate", "completion rate"]),
            ], perPost: true,
            postMetrics: [
                "int_page_read_count": .impressions, "int_page_read_user": .reach, "share_count": .shares, "add_to_fav_count": .saves,
                "like_count": .likes, "comment_count": .comments, "ori_page_read_count": .linkClicks, "read_complete_rate": .completion,
            ]),
        ExportKind(
            id: "weibo.post_list", platform: "weibo",
            columns: [
                ExportColumn(.title, .count, ["博文内容", "微博内容", "博文", "微博正文", "正文", "内容", "标题", "text", "content", "title"]),
                ExportColumn(.link, .count, ["博文链接", "微博链接", "链接", "url", "link"]),
                ExportColumn(.postID, .count, ["微博id", "博文id", "mid", "idstr"]),
                ExportColumn(.published, .count, ["发布时间", "发博时间", "发表时间", "created_at", "published"]),
                ExportColumn(.value("reads"), .count, ["阅读数", "阅读量", "阅读", "reads"]),
                ExportColumn(.value("reposts"), .count, ["转发数", "转发量", "转发", "reposts"]),
                ExportColumn(.value("comments"), .count, ["评论数", "评论量", "评论", "comments"]),
                ExportColumn(.value("attitudes"), .count, ["赞", "点赞数", "点赞量", "点赞", "赞数", "attitudes", "likes"]),
                ExportColumn(.value("interactions"), .count, ["互动数", "互动量", "interactions"]),
            ], perPost: true,
            postMetrics: ["reads": .impressions, "reposts": .shares, "comments": .comments, "attitudes": .likes]),
        ExportKind(
            id: "douyin.video_list", platform: "douyin",
            columns: [
                ExportColumn(.title, .count, ["作品名称", "作品标题", "视频标题", "作品描述", "标题", "描述", "title", "desc"]),
                ExportColumn(.link, .count, ["作品链接", "视频链接", "链接", "share_url", "url", "link"]),
                ExportColumn(.postID, .count, ["作品id", "视频id", "item_id", "video_id", "aweme_id"]),
                ExportColumn(.published, .count, ["发布时间", "发表时间", "发布日期", "create_time", "published"]),
                ExportColumn(.value("play_count"), .count, ["播放量", "播放数", "播放次数", "play_count", "plays", "views"]),
                ExportColumn(.value("exposure_count"), .count, ["曝光量", "曝光数", "展现量", "exposure_count", "impressions"]),
                ExportColumn(.value("digg_count"), .count, ["点赞量", "点赞数", "点赞", "digg_count", "likes"]),
                ExportColumn(.value("comment_count"), .count, ["评论量", "评论数", "评论", "comment_count", "comments"]),
                ExportColumn(.value("share_count"), .count, ["分享量", "分享数", "分享", "share_count", "shares"]),
                ExportColumn(.value("collect_count"), .count, ["收藏量", "收藏数", "收藏", "collect_count", "saves"]),
                ExportColumn(.value("completion_rate"), .ratio, ["完播率", "completion_rate", "completion rate"]),
                ExportColumn(.value("completion_rate_5s"), .ratio, ["5s完播率", "5秒完播率", "completion_rate_5s"]),
                ExportColumn(.value("profile_uv"), .count, ["主页访问量", "主页访问人数", "profile_uv", "profile visits"]),
                ExportColumn(.value("new_fans"), .count, ["粉丝增量", "涨粉量", "新增粉丝", "new_fans", "new followers"]),
            ], perPost: true,
            postMetrics: [
                "play_count": .plays, "exposure_count": .impressions, "digg_count": .likes, "comment_count": .comments, "share_count": .shares,
                "collect_count": .saves, "completion_rate": .completion,
            ]),
    ]

    /// At most this many post rows in one file (a per-day file of 300 posts over a month is 9,000).
    public static let maxPostRows = 10_000

    /// Reads `text` as a per-post export of one of `candidates`: rows with a
    /// problem are not in `rows`; the server imports nothing while there is one.
    public static func parsePosts(_ text: String, candidates: [ExportKind], today: String) -> ParsedPosts {
        let records: [CSVRecord]
        switch Self.records(text) {
        case .success(let read): records = read
        case .failure(let error): return ParsedPosts(header: nil, rows: [], errors: [error], skippedLines: [])
        }
        guard let header = findHeader(records, kinds: candidates.filter(\.perPost)) else {
            let identity = candidates.flatMap { $0.columns.filter { identityKeys.contains($0.key) }.map { $0.aliases[0] } }
            let figures = candidates.flatMap { $0.columns.filter { !identityKeys.contains($0.key) && $0.key != "published" }.map { $0.aliases[0] } }
            return ParsedPosts(
                header: nil, rows: [],
                errors: [
                    RowError(
                        line: 1, field: "header", .importPostsHeader(lines: headerSearchLines, names: uniqued(identity), columns: uniqued(figures)))
                ],
                skippedLines: [])
        }
        func index(_ key: String) -> Int? { header.columns.first { $0.value.key == key }?.key }
        func name(_ index: Int) -> String { header.names[index].trimmingCharacters(in: .whitespaces) }
        let identity = ["title", "link", "post_id"].compactMap(index)
        let (titleAt, linkAt, idAt, publishedAt, dayAt) = (index("title"), index("link"), index("post_id"), index("published"), index("day"))
        var errors: [RowError] = []
        var rows: [ImportedPostRow] = []
        var skipped = records.filter { $0.line < header.line }.map(\.line)
        for record in records where record.line > header.line {
            let cells = record.fields.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            func cell(_ index: Int?) -> String? {
                guard let index, index < cells.count, !isBlank(cells[index]) else { return nil }
                return cells[index]
            }
            // A totals row says only its label (a title may begin with 合计 or Total).
            let label = (cells.first { !$0.isEmpty } ?? "").lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ":："))
            if cells.allSatisfy(\.isEmpty) || summaryLabels.contains(label) {
                skipped.append(record.line)
                continue
            }
            var rowErrors: [RowError] = []
            var row = ImportedPostRow(line: record.line, title: cell(titleAt), link: cell(linkAt), postID: cell(idAt))
            if row.title == nil, row.link == nil, row.postID == nil {
                rowErrors.append(RowError(line: record.line, field: name(identity[0]), .importPostsIdentity(names: identity.map(name))))
            }
            if let publishedAt, let text = cell(publishedAt) {
                row.published = day(text)
                if row.published == nil { rowErrors.append(RowError(line: record.line, field: name(publishedAt), .importMetricsDate(value: text))) }
            }
            if let dayAt {
                let text = cell(dayAt) ?? ""
                row.day = day(text)
                if let value = row.day, value > today {
                    rowErrors.append(RowError(line: record.line, field: name(dayAt), .dayNotAfter(day: today)))
                } else if row.day == nil {
                    rowErrors.append(RowError(line: record.line, field: name(dayAt), .importMetricsDate(value: text)))
                }
            }
            row.values = figures(cells, header: header, line: record.line, errors: &rowErrors).values
            errors += rowErrors
            if rowErrors.isEmpty {
                if row.values.isEmpty { skipped.append(record.line) } else { rows.append(row) }
            }
        }
        if rows.count > maxPostRows {
            errors.append(RowError(line: header.line, field: "file", .importTooManyRows(count: rows.count, max: maxPostRows)))
        }
        if rows.isEmpty, errors.isEmpty {
            errors.append(RowError(line: header.line, field: "file", .importNoRows))
        }
        return ParsedPosts(header: header, rows: rows, errors: errors, skippedLines: skipped.sorted())
    }

    /// The kind a file's header is, among `platform`'s daily and per-post
    /// kinds (nil when no header is found: the daily reader then says what
    /// it looked for).
    public static func recognise(_ text: String, platform: String) -> ExportKind? {
        findHeader(CSVReader.scan(text).records, kinds: allKinds(of: platform))?.kind
    }

    static func uniqued(_ names: [String]) -> [String] {
        names.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }
}

/// One row of a per-post export: what names the post, and its figures.
public struct ImportedPostRow: Sendable, Equatable {
    public var line: Int
    public var title: String?
    public var link: String?
    public var postID: String?
    /// The day the row says the post was published (its date; the time is dropped).
    public var published: String?
    /// The row's own date (a file with a date column), else nil: the import's "as of" day.
    public var day: String?
    /// The figures by stored name (`platform_values`).
    public var values: [String: Double]

    public init(
        line: Int, title: String? = nil, link: String? = nil, postID: String? = nil, published: String? = nil, day: String? = nil,
        values: [String: Double] = [:]
    ) {
        self.line = line
        self.title = title
        self.link = link
        self.postID = postID
        self.published = published
        self.day = day
        self.values = values
    }
}

/// A per-post file read: the header, the rows and every problem.
public struct ParsedPosts: Sendable, Equatable {
    public var header: PlatformExports.Header?
    public var rows: [ImportedPostRow]
    public var errors: [RowError]
    public var skippedLines: [Int]

    public var kind: ExportKind? { header?.kind }
    /// Whether the rows carry their own date; else they are the totals as of the import's day.
    public var hasDayColumn: Bool { header?.columns.values.contains { $0.target == .day } ?? false }

    public init(header: PlatformExports.Header?, rows: [ImportedPostRow], errors: [RowError], skippedLines: [Int]) {
        self.header = header
        self.rows = rows
        self.errors = errors
        self.skippedLines = skippedLines
    }
}

/// A published variant of the account a per-post row may be about.
public struct PostCandidate: Sendable, Equatable {
    public var id: String
    /// The variant's title, else its post's.
    public var title: String?
    public var text: String
    /// The platform's id of the post and its address, as publishing recorded them.
    public var remoteID: String?
    public var url: String?
    /// The day it was published, in the workspace's time zone.
    public var publishedDay: String

    public init(id: String, title: String?, text: String, remoteID: String?, url: String?, publishedDay: String) {
        self.id = id
        self.title = title
        self.text = text
        self.remoteID = remoteID
        self.url = url
        self.publishedDay = publishedDay
    }

    /// What the post is called: its title, else its text's first line.
    public var name: String {
        if let title = title.map(PostMatching.normalise), !title.isEmpty { return title }
        return text.split(whereSeparator: \.isNewline).lazy.map { PostMatching.normalise(String($0)) }.first { !$0.isEmpty } ?? ""
    }
}

/// Which published variant a per-post row is about.
public enum PostMatching {
    public enum Result: Sendable, Equatable {
        case matched(PostCandidate)
        case unmatched
        case ambiguous([PostCandidate])
    }

    /// A title as compared: full-width letters, digits and punctuation as
    /// their half-width forms, the ideographic space as a space, whitespace
    /// runs (line breaks too) as one space, trimmed. Case is kept.
    public static func normalise(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0xFF01...0xFF5E: scalars.append(Unicode.Scalar(scalar.value - 0xFEE0)!)
            case 0x3000: scalars.append(" ")
            default: scalars.append(scalar)
            }
        }
        return String(scalars).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The names a post is known by in an export: its title, its text's
    /// first line, its whole text (Weibo lists a post by its text).
    static func names(_ candidate: PostCandidate) -> Set<String> {
        let firstLine = candidate.text.split(whereSeparator: \.isNewline).lazy.map(String.init).first { !normalise($0).isEmpty }
        return Set([candidate.title, firstLine, candidate.text].compactMap { $0.map(normalise) }.filter { !$0.isEmpty })
    }

    /// The row's post among `candidates`: by its link or id when one of
    /// them is exactly a variant's id or address on the platform; else by
    /// its title equal (normalised) to a post's title, first line or
    /// text, published within a day of the row's publishing date when the
    /// row has one. A link naming no variant falls back to the title: a
    /// platform writes one article's address in more than one form.
    public static func match(_ row: ImportedPostRow, among candidates: [PostCandidate]) -> Result {
        let keys = Set([row.link, row.postID].compactMap { $0?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        if !keys.isEmpty {
            let byLink = candidates.filter { candidate in
                [candidate.remoteID, candidate.url].contains { $0.map { keys.contains($0.trimmingCharacters(in: .whitespaces)) } ?? false }
            }
            if let result = result(byLink) { return result }
        }
        guard let title = row.title.map(normalise), !title.isEmpty else { return .unmatched }
        let byTitle = candidates.filter { candidate in
            guard names(candidate).contains(title) else { return false }
            guard let published = row.published else { return true }
            return abs(MetricDay.distance(from: published, to: candidate.publishedDay)) <= 1
        }
        return result(byTitle) ?? .unmatched
    }

    private static func result(_ found: [PostCandidate]) -> Result? {
        switch found.count {
        case 0: nil
        case 1: .matched(found[0])
        default: .ambiguous(found.sorted { ($0.publishedDay, $0.id) < ($1.publishedDay, $1.id) })
        }
    }
}

/// One post day as the store holds it (what a per-post import is compared with).
public struct StoredPostDay: Sendable, Equatable {
    public var day: String
    /// `snapshot` (read from the platform by a connector) or `import`.
    public var source: String
    /// The normalised columns with a value (`impressions`, `likes`, …, `completion`, `engagements`).
    public var columns: [String: Double]
    /// The platform's own names and numbers (`platform_values`).
    public var values: [String: Double]

    public init(day: String, source: String, columns: [String: Double] = [:], values: [String: Double] = [:]) {
        self.day = day
        self.source = source
        self.columns = columns
        self.values = values
    }
}

/// What a per-post import does: each row matched to one variant and
/// stored as its day, or reported (not written) with why.
public struct PostImportPlan: Sendable, Equatable {
    /// Why a row is not written.
    public enum Problem: Sendable, Equatable {
        /// No published post of the account has its link, id or title.
        case unmatched
        /// More than one has (the candidates, oldest first).
        case ambiguous([PostCandidate])
        /// The day is before the post was published (its publishing day).
        case beforePublished(String)
        /// The same post and day are on an earlier line.
        case twice(Int)

        public var code: String {
            switch self {
            case .unmatched: "unmatched"
            case .ambiguous: "ambiguous"
            case .beforePublished: "before_published"
            case .twice: "twice"
            }
        }
    }

    public struct Row: Sendable, Equatable {
        public var line: Int
        /// The row's title, else its link or id, as the file writes it.
        public var label: String
        /// The day it is stored as.
        public var day: String
        public var post: PostCandidate?
        public var problem: Problem?
        public var action: MetricImportPlan.Action?
        /// The day was read from the platform by a connector: it stays as it is.
        public var liveKept: Bool
        /// What the store holds after the import.
        public var result: StoredPostDay?
    }

    public var rows: [Row]

    /// Rows stored as a post's day (added, updated or unchanged).
    public var matched: [Row] { rows.filter { $0.action != nil } }
    public var notWritten: [Row] { rows.filter { $0.problem != nil } }
    public func count(_ action: MetricImportPlan.Action) -> Int { rows.filter { $0.action == action }.count }
    public var liveKept: Int { rows.filter(\.liveKept).count }
    public var first: String? { matched.map(\.day).min() }
    public var last: String? { matched.map(\.day).max() }

    /// The import of `rows` (of `kind`, for an account on `platform`)
    /// over the account's published `candidates` and what is `stored`
    /// (by variant id, then day). A row's day is its own date, else
    /// `asOf`. A day a connector read from the platform (`snapshot`) is
    /// never overwritten; an imported day takes the file's figures, a
    /// cell left empty keeping what was stored; a result equal to what is
    /// stored is `unchanged` and not written.
    public static func make(
        _ rows: [ImportedPostRow], kind: ExportKind, platform: String, candidates: [PostCandidate], asOf: String,
        stored: [String: [String: StoredPostDay]]
    ) -> PostImportPlan {
        var seen: [String: Int] = [:]
        let planned = rows.map { row -> Row in
            let day = row.day ?? asOf
            var planned = Row(
                line: row.line, label: row.title ?? row.link ?? row.postID ?? "", day: day, post: nil, problem: nil, action: nil, liveKept: false,
                result: nil)
            switch PostMatching.match(row, among: candidates) {
            case .unmatched: planned.problem = .unmatched
            case .ambiguous(let found): planned.problem = .ambiguous(found)
            case .matched(let post):
                planned.post = post
                if day < post.publishedDay {
                    planned.problem = .beforePublished(post.publishedDay)
                } else if let first = seen["\(post.id) \(day)"] {
                    planned.problem = .twice(first)
                } else {
                    seen["\(post.id) \(day)"] = row.line
                    let old = stored[post.id]?[day]
                    (planned.action, planned.liveKept, planned.result) = outcome(row, kind: kind, platform: platform, day: day, old: old)
                }
            }
            return planned
        }
        return PostImportPlan(rows: planned)
    }

    static func outcome(
        _ row: ImportedPostRow, kind: ExportKind, platform: String, day: String, old: StoredPostDay?
    ) -> (MetricImportPlan.Action, Bool, StoredPostDay) {
        var columns: [String: Double] = [:]
        for (key, value) in row.values { if let metric = kind.postMetrics[key] { columns[metric.column] = value } }
        guard let old else {
            return (.add, false, withEngagements(StoredPostDay(day: day, source: "import", columns: columns, values: row.values), platform))
        }
        if old.source == "snapshot" { return (.unchanged, true, old) }
        var result = old
        result.source = "import"
        result.columns = old.columns.merging(columns) { _, file in file }
        result.values = old.values.merging(row.values) { _, file in file }
        result = withEngagements(result, platform)
        return result == old ? (.unchanged, false, old) : (.update, false, result)
    }

    /// Engagements of the day by the platform's rule (`MetricTaxonomy`),
    /// where any of the metrics it adds up has a value.
    static func withEngagements(_ day: StoredPostDay, _ platform: String) -> StoredPostDay {
        var day = day
        let parts = MetricTaxonomy.of(platform).engagement
        if parts.contains(where: { day.columns[$0.column] != nil }) {
            day.columns["engagements"] = Double(
                MetricTaxonomy.engagements(
                    platform: platform, values: Dictionary(uniqueKeysWithValues: parts.map { ($0, day.columns[$0.column].map { Int($0) }) })))
        } else {
            day.columns["engagements"] = nil
        }
        return day
    }
}
