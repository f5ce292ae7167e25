import Foundation

// Importing the data exports platforms give their account owners (issue 18
// scope 2c): the column maps per platform and export kind, how a header is
// found and its cells read, and what an import adds to or changes in the
// metric store. Written for people in docs/analytics.md ("Importing
// platform exports"); the servers only read the file and the store.

/// What one column of an export becomes in the metric store.
public enum ExportTarget: Sendable, Equatable, Hashable {
    /// The day's date.
    case day
    /// Followers at the end of the day (the store's `followers`).
    case followers
    /// A figure kept under the platform's own name (`platform_values`).
    case value(String)
    // Of a per-post export: what names the post a row is about.
    /// The post's title (or its text, where the platform shows no title).
    case title
    /// The post's address on the platform.
    case link
    /// The platform's id of the post.
    case postID
    /// When the post was published (a row is matched within a day of it).
    case published
}

/// One column of an export: what it becomes and the header names it is
/// known by (Chinese as the platform writes it, English, and the platform
/// API's field name).
public struct ExportColumn: Sendable, Equatable {
    public enum Unit: String, Sendable, Codable {
        /// A whole number, never negative.
        case count
        /// A whole number that may be negative (net growth).
        case signedCount = "signed_count"
        /// A share from 0 to 1, written as `12.5%` or `0.125`.
        case ratio
    }

    public var target: ExportTarget
    public var unit: Unit
    public var aliases: [String]

    public init(_ target: ExportTarget, _ unit: Unit = .count, _ aliases: [String]) {
        self.target = target
        self.unit = unit
        self.aliases = aliases
    }

    /// The stored name: `day`, `followers` or the platform value's key.
    public var key: String {
        switch target {
        case .day: "day"
        case .followers: "followers"
        case .value(let name): name
        case .title: "title"
        case .link: "link"
        case .postID: "post_id"
        case .published: "published"
        }
    }
}

/// One kind of export of one platform (a page of its analytics that has an
/// "export" button) and its column map.
public struct ExportKind: Sendable, Equatable {
    /// `platform.kind`, e.g. `wechat.users`.
    public var id: String
    public var platform: String
    public var columns: [ExportColumn]
    /// A row per post (stored as the post's day, `post_metric_days`), not per day of the account.
    public var perPost: Bool
    /// Of a per-post kind: the figures (by stored name) that fill a normalised post metric.
    public var postMetrics: [String: NormalisedMetric]

    public init(id: String, platform: String, columns: [ExportColumn], perPost: Bool = false, postMetrics: [String: NormalisedMetric] = [:]) {
        self.id = id
        self.platform = platform
        self.columns = columns
        self.perPost = perPost
        self.postMetrics = postMetrics
    }

    /// The day column's names, the same for every kind.
    static let dayAliases = ["日期", "时间", "统计日期", "数据日期", "日期时间", "date", "day", "ref_date", "p_date"]
    /// A per-post file's own date column (the day its totals are as of).
    /// Not `时间`: in a per-post file that is the publishing time.
    static let postDayAliases = ["日期", "统计日期", "数据日期", "截止日期", "date", "day", "stat_date", "as of"]
}

/// The column maps (docs/analytics.md, "Importing platform exports").
/// Header names were taken where a source shows them (the WeChat platform's
/// 用户分析 and API field names, Douyin's open-platform fields); the
/// platforms do not publish their export files' headers, so every column
/// accepts the names below, matched without case, spaces, underscores or a
/// unit in brackets (`阅读人数(人)` is `阅读人数`).
public enum PlatformExports {
    public static let kinds: [ExportKind] = [
        ExportKind(
            id: "wechat.users", platform: "wechat",
            columns: [
                ExportColumn(.followers, .count, ["累积关注人数", "累计关注人数", "总关注人数", "关注人数", "cumulate_user", "total followers"]),
                ExportColumn(.value("new_user"), .count, ["新关注人数", "新增关注人数", "新增关注", "new_user", "new followers"]),
                ExportColumn(.value("cancel_user"), .count, ["取消关注人数", "取消关注", "取关人数", "cancel_user", "unfollows"]),
                ExportColumn(.value("net_user"), .signedCount, ["净增关注人数", "净增关注", "净增人数", "net_user", "net followers"]),
            ]),
        ExportKind(
            id: "wechat.articles", platform: "wechat",
            columns: [
                ExportColumn(.value("int_page_read_user"), .count, ["阅读人数", "图文页阅读人数", "int_page_read_user", "readers"]),
                ExportColumn(.value("int_page_read_count"), .count, ["阅读次数", "图文页阅读次数", "int_page_read_count", "reads"]),
                ExportColumn(.value("share_user"), .count, ["分享人数", "分享转发人数", "share_user", "sharers"]),
                ExportColumn(.value("share_count"), .count, ["分享次数", "分享转发次数", "分享", "share_count", "shares"]),
                ExportColumn(.value("add_to_fav_user"), .count, ["收藏人数", "微信收藏人数", "add_to_fav_user"]),
                ExportColumn(.value("add_to_fav_count"), .count, ["收藏次数", "收藏", "add_to_fav_count", "saves"]),
                ExportColumn(.value("ori_page_read_user"), .count, ["阅读原文人数", "原文页阅读人数", "ori_page_read_user"]),
                ExportColumn(.value("ori_page_read_count"), .count, ["阅读原文次数", "原文页阅读次数", "ori_page_read_count"]),
                ExportColumn(.value("mass_sent"), .count, ["群发篇数", "发表篇数", "mass_sent", "articles"]),
            ]),
        ExportKind(
            id: "weibo.overview", platform: "weibo",
            columns: [
                ExportColumn(.followers, .count, ["粉丝数", "粉丝总数", "总粉丝数", "粉丝量", "followers_count", "followers"]),
                ExportColumn(.value("new_followers"), .count, ["新增粉丝", "新增粉丝数", "涨粉数", "new_followers", "new followers"]),
                ExportColumn(.value("lost_followers"), .count, ["减少粉丝", "减少粉丝数", "取关粉丝数", "掉粉数", "lost_followers", "unfollows"]),
                ExportColumn(.value("net_followers"), .signedCount, ["净增粉丝", "净增粉丝数", "net_followers", "net followers"]),
                ExportColumn(.value("reads"), .count, ["阅读数", "阅读量", "阅读", "博文阅读数", "reads"]),
                ExportColumn(.value("reposts"), .count, ["转发数", "转发量", "转发", "reposts"]),
                ExportColumn(.value("comments"), .count, ["评论数", "评论量", "评论", "comments"]),
                ExportColumn(.value("attitudes"), .count, ["赞", "点赞数", "点赞量", "点赞", "赞数", "attitudes", "likes"]),
                ExportColumn(.value("statuses"), .count, ["发博数", "发博量", "博文数", "statuses", "posts"]),
            ]),
        ExportKind(
            id: "douyin.works", platform: "douyin",
            columns: [
                ExportColumn(.value("new_play"), .count, ["播放量", "播放数", "作品播放量", "视频播放量", "new_play", "plays", "views"]),
                ExportColumn(.value("new_like"), .count, ["点赞量", "点赞数", "点赞", "new_like", "likes"]),
                ExportColumn(.value("new_comment"), .count, ["评论量", "评论数", "评论", "new_comment", "comments"]),
                ExportColumn(.value("new_share"), .count, ["分享量", "分享数", "分享", "new_share", "shares"]),
                ExportColumn(.value("completion_rate"), .ratio, ["完播率", "平均完播率", "completion_rate", "completion rate"]),
                ExportColumn(.value("profile_uv"), .count, ["主页访问量", "主页访问人数", "主页访问", "profile_uv", "profile visits"]),
                ExportColumn(.value("new_issue"), .count, ["投稿量", "投稿数", "发布作品数", "作品数", "new_issue", "videos"]),
            ]),
        ExportKind(
            id: "douyin.fans", platform: "douyin",
            columns: [
                ExportColumn(.followers, .count, ["粉丝总量", "粉丝总数", "总粉丝数", "粉丝数", "粉丝量", "total_fans", "total followers"]),
                ExportColumn(.value("new_fans"), .count, ["新增粉丝", "新增粉丝数", "新增粉丝量", "涨粉量", "new_fans", "new followers"]),
                ExportColumn(.value("lost_fans"), .count, ["取关粉丝", "取关粉丝数", "掉粉量", "掉粉数", "lost_fans", "unfollows"]),
                ExportColumn(.value("net_fans"), .signedCount, ["净增粉丝", "净增粉丝数", "净增粉丝量", "net_fans", "net followers"]),
            ]),
    ]

    /// The kinds of `platform`'s exports, in the order above.
    public static func kinds(of platform: String) -> [ExportKind] { kinds.filter { $0.platform == platform } }

    public static func kind(_ id: String) -> ExportKind? { (kinds + postKinds).first { $0.id == id } }

    /// Every kind of `platform`'s exports: the daily ones, then the per-post ones.
    public static func allKinds(of platform: String) -> [ExportKind] { (kinds + postKinds).filter { $0.platform == platform } }

    /// Platforms whose exports are imported.
    public static var platforms: [String] {
        kinds.reduce(into: [String]()) { if !$0.contains($1.platform) { $0.append($1.platform) } }
    }

    /// At most this many day rows in one file (ten years of days).
    public static let maxRows = 3_660
    /// The header is looked for in the first lines (exports start with a title and notes).
    public static let headerSearchLines = 20

    // MARK: Reading a file

    /// A header cell as it is compared: without a byte-order mark, a unit
    /// in brackets, spaces, underscores, hyphens or case.
    public static func headerKey(_ text: String) -> String {
        var text = text.replacingOccurrences(of: "\u{FEFF}", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
        for (open, close) in [("(", ")"), ("（", "）")] where text.hasSuffix(close) {
            if let start = text.range(of: open, options: .backwards) { text = String(text[..<start.lowerBound]) }
        }
        return text.lowercased().filter { !" _-\t\u{3000}".contains($0) }
    }

    /// The file's text: UTF-8 (with or without a byte-order mark), UTF-16
    /// with a byte-order mark, else GB18030 (which covers GBK and GB2312,
    /// what Excel on a Chinese system saves as "CSV"). An Excel workbook
    /// is refused with what to do instead.
    public static func decode(_ bytes: [UInt8]) -> Result<String, RowError> {
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            return .failure(RowError(line: 1, field: "file", .importMetricsWorkbook))
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]), let text = String(validating: bytes.dropFirst(3), as: UTF8.self) { return .success(text) }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]), let text = String(data: Data(bytes), encoding: .utf16) {
            return .success(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        }
        if let text = String(validating: bytes, as: UTF8.self) { return .success(text) }
        // GB18030 (kCFStringEncodingGB_18030_2000 as an NSStringEncoding), on Linux and macOS.
        if let text = String(data: Data(bytes), encoding: String.Encoding(rawValue: 0x8000_0632)) { return .success(text) }
        return .failure(RowError(line: 1, field: "file", .importMetricsEncoding))
    }

    /// A date as exports write it: `2026-11-03`, `2026/11/3`, `2026.11.3`,
    /// `20261103` or `2026年11月3日`, with or without a time after it; the
    /// day as the store writes it, or nil.
    public static func day(_ text: String) -> String? {
        var text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let cut = text.firstIndex(where: { $0 == " " || $0 == "T" }) { text = String(text[..<cut]) }
        var parts: [Substring]
        if text.count == 8, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) {
            parts = [text.prefix(4), text.dropFirst(4).prefix(2), text.suffix(2)]
        } else {
            if text.hasSuffix("日") { text.removeLast() }
            parts = text.split(omittingEmptySubsequences: false) { "-/.年月".contains($0) }
        }
        guard parts.count == 3, parts[0].count == 4, (1...2).contains(parts[1].count), (1...2).contains(parts[2].count),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        let result = String(format: "%04d-%02d-%02d", year, month, day)
        return MetricDay.parse(result) == nil ? nil : result
    }

    /// A cell that says "no figure": empty, a dash, N/A.
    public static func isBlank(_ text: String) -> Bool {
        ["", "-", "--", "—", "——", "/", "n/a", "na", "null"].contains(text.trimmingCharacters(in: .whitespaces).lowercased())
    }

    /// A number as exports write it: `1234`, `1,234`, `1 234`, `1.2万`,
    /// `3亿`, `1.5w`, `2k`, `+12`; for a ratio also `12.5%` (or `0.125`;
    /// a plain number above 1 is read as percent). Nil when not one.
    public static func number(_ text: String, unit: ExportColumn.Unit) -> Double? {
        var text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        text.removeAll { ",，'\u{00A0}\u{3000} ".contains($0) }
        if text.hasPrefix("+") { text.removeFirst() }
        var factor = 1.0
        var percent = false
        if let last = text.last {
            switch last {
            case "万", "w", "W": factor = 10_000
            case "亿": factor = 100_000_000
            case "k", "K": factor = 1_000
            case "%", "％": percent = true
            default: break
            }
            if factor != 1 || percent { text.removeLast() }
        }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }), let value = Double(text),
            value.isFinite
        else { return nil }
        switch unit {
        case .ratio:
            guard factor == 1 else { return nil }
            let ratio = percent || value > 1 ? value / 100 : value
            return (0...1).contains(ratio) ? (ratio * 1_000_000).rounded() / 1_000_000 : nil
        case .count, .signedCount:
            guard !percent else { return nil }
            return (value * factor).rounded()
        }
    }

    // MARK: Parsing

    /// A header found: its line and which column is what.
    public struct Header: Sendable, Equatable {
        public var kind: ExportKind
        public var line: Int
        /// Column index → the kind's column (the day column included).
        public var columns: [Int: ExportColumn]
        /// The header's cells as written.
        public var names: [String]
        /// Cells of the header that are no column of the kind, as written.
        public var ignored: [String]
    }

    static let dayColumn = ExportColumn(.day, .count, ExportKind.dayAliases)
    static let postDayColumn = ExportColumn(.day, .count, ExportKind.postDayAliases)
    /// The columns that name a post rather than hold a figure.
    static let identityKeys: Set<String> = ["title", "link", "post_id"]

    /// Matches one header row against a kind: nil unless it has at least
    /// one of the kind's figures and a day column (a daily kind) or a
    /// column naming the post (a per-post kind; its date is optional).
    static func match(_ fields: [String], line: Int, kind: ExportKind) -> Header? {
        var columns: [Int: ExportColumn] = [:]
        var ignored: [String] = []
        var taken: Set<String> = []
        let known = [kind.perPost ? postDayColumn : dayColumn] + kind.columns
        for (index, name) in fields.enumerated() {
            let key = headerKey(name)
            guard !key.isEmpty else { continue }
            let column = known.first { $0.aliases.contains { headerKey($0) == key } }
            if let column, !taken.contains(column.key) {
                columns[index] = column
                taken.insert(column.key)
            } else {
                ignored.append(name.trimmingCharacters(in: .whitespaces))
            }
        }
        let figures = taken.subtracting(identityKeys.union(["day", "published"]))
        guard !figures.isEmpty, kind.perPost ? !taken.isDisjoint(with: identityKeys) : taken.contains("day") else { return nil }
        return Header(kind: kind, line: line, columns: columns, names: fields, ignored: ignored)
    }

    /// The header among the first lines: the first line that names a day
    /// column and a figure of one of `kinds`; where it matches several, the
    /// kind it names most columns of (then the first). A per-post kind wins
    /// over a daily one: a daily file has no column naming a post.
    public static func findHeader(_ records: [CSVRecord], kinds: [ExportKind]) -> Header? {
        for record in records.prefix(headerSearchLines) {
            var found = kinds.compactMap { match(record.fields, line: record.line, kind: $0) }
            if found.contains(where: \.kind.perPost) { found.removeAll { !$0.kind.perPost } }
            if let best = found.max(by: { $0.columns.count < $1.columns.count }) {
                return found.first { $0.columns.count == best.columns.count }
            }
        }
        return nil
    }

    /// The import file read: the header found, its day rows and every
    /// problem (line, column as written, what would be accepted). Rows
    /// with a problem are not in `days`; the server imports nothing while
    /// there is any.
    public struct Parsed: Sendable, Equatable {
        public var header: Header?
        public var days: [ImportedAccountDay]
        public var errors: [RowError]
        /// Lines skipped on purpose: notes above the header, blank lines, totals.
        public var skippedLines: [Int]

        public var kind: ExportKind? { header?.kind }

        public init(header: Header?, days: [ImportedAccountDay], errors: [RowError], skippedLines: [Int]) {
            self.header = header
            self.days = days
            self.errors = errors
            self.skippedLines = skippedLines
        }
    }

    /// Row labels of totals and averages exports add under the days.
    static let summaryLabels = ["合计", "总计", "汇总", "平均", "平均值", "total", "sum", "average"]

    /// Reads `text` as an export of `platform` (of the kind `kindID` when
    /// given), the days on or before `today` (the workspace's today).
    public static func parse(_ text: String, platform: String, kindID: String? = nil, today: String) -> Parsed {
        parse(text, candidates: kindID.flatMap { Self.kind($0) }.map { [$0] } ?? Self.kinds(of: platform), today: today)
    }

    /// Reads `text` as a file of one of `candidates`.
    public static func parse(_ text: String, candidates: [ExportKind], today: String) -> Parsed {
        let records: [CSVRecord]
        switch Self.records(text) {
        case .success(let read): records = read
        case .failure(let error): return Parsed(header: nil, days: [], errors: [error], skippedLines: [])
        }
        guard let header = findHeader(records, kinds: candidates) else {
            let names = candidates.flatMap { $0.columns.map { $0.aliases[0] } }
            return Parsed(
                header: nil, days: [],
                errors: [
                    RowError(line: 1, field: "header", .importMetricsHeader(lines: headerSearchLines, days: ExportKind.dayAliases, columns: names))
                ],
                skippedLines: [])
        }
        var errors: [RowError] = []
        var days: [ImportedAccountDay] = []
        var skipped = records.filter { $0.line < header.line }.map(\.line)
        var seen: [String: Int] = [:]
        let dayIndex = header.columns.first { $0.value.target == .day }!.key
        let dayName = header.names[dayIndex].trimmingCharacters(in: .whitespaces)
        let rows = records.filter { $0.line > header.line }
        for record in rows {
            let cells = record.fields.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            let dayCell = dayIndex < cells.count ? cells[dayIndex] : ""
            if cells.allSatisfy(\.isEmpty) || summaryLabels.contains(where: { dayCell.lowercased().hasPrefix($0) }) {
                skipped.append(record.line)
                continue
            }
            var rowErrors: [RowError] = []
            guard let day = Self.day(dayCell) else {
                errors.append(RowError(line: record.line, field: dayName, .importMetricsDate(value: dayCell)))
                continue
            }
            if day > today {
                rowErrors.append(RowError(line: record.line, field: dayName, .dayNotAfter(day: today)))
            }
            if let first = seen[day] {
                rowErrors.append(RowError(line: record.line, field: dayName, .importMetricsDayTwice(day: day, line: first)))
            } else {
                seen[day] = record.line
            }
            let (followers, values) = figures(cells, header: header, line: record.line, errors: &rowErrors)
            let imported = ImportedAccountDay(line: record.line, day: day, followers: followers, values: values)
            errors += rowErrors
            if rowErrors.isEmpty {
                if imported.isEmpty { skipped.append(record.line) } else { days.append(imported) }
            }
        }
        if days.count > maxRows {
            errors.append(RowError(line: header.line, field: "file", .importTooManyRows(count: days.count, max: maxRows)))
        }
        if days.isEmpty, errors.isEmpty {
            errors.append(RowError(line: header.line, field: "file", .importNoRows))
        }
        return Parsed(header: header, days: days.sorted { $0.day < $1.day }, errors: errors, skippedLines: skipped.sorted())
    }

    /// The figures of one row (followers, and the other values by their
    /// stored names); a cell that is no number of its column's unit, or a
    /// negative count, is a problem naming the line and the column.
    static func figures(_ cells: [String], header: Header, line: Int, errors: inout [RowError]) -> (followers: Int?, values: [String: Double]) {
        var followers: Int?
        var values: [String: Double] = [:]
        for (index, column) in header.columns.sorted(by: { $0.key < $1.key }) {
            let key: String?
            switch column.target {
            case .followers: key = nil
            case .value(let name): key = name
            case .day, .title, .link, .postID, .published: continue
            }
            let cell = index < cells.count ? cells[index] : ""
            if isBlank(cell) { continue }
            let name = header.names[index].trimmingCharacters(in: .whitespaces)
            guard let value = number(cell, unit: column.unit) else {
                errors.append(RowError(line: line, field: name, Self.accepted(column.unit, cell)))
                continue
            }
            if column.unit == .count, value < 0 {
                errors.append(RowError(line: line, field: name, .importMetricsNegative(value: cell)))
                continue
            }
            if let key { values[key] = value } else { followers = Int(value) }
        }
        return (followers, values)
    }

    /// The file's records, or its one problem: a quote left open, or no rows at all.
    static func records(_ text: String) -> Result<[CSVRecord], RowError> {
        let (records, unclosed) = CSVReader.scan(text)
        if let unclosed { return .failure(RowError(line: unclosed, field: "file", .importUnclosedQuote)) }
        return records.isEmpty ? .failure(RowError(line: 1, field: "file", .importNoRows)) : .success(records)
    }

    static func accepted(_ unit: ExportColumn.Unit, _ cell: String) -> CodedMessage {
        switch unit {
        case .ratio: .importMetricsRatio(value: cell)
        case .count, .signedCount: .importMetricsNumber(value: cell)
        }
    }
}

/// Competitor figures as CSV (the competitor benchmark's "CSV otherwise"):
/// one row a day of another brand's public account, typed from its page or
/// copied from a third-party tool, for platforms Fanfare cannot read.
public enum CompetitorCSV {
    public static let kind = ExportKind(
        id: "competitor.daily", platform: "any",
        columns: [
            ExportColumn(.followers, .count, ["粉丝数", "粉丝总数", "粉丝量", "followers"]),
            ExportColumn(.value("posts"), .count, ["发帖数", "发布数", "发文数", "作品数", "发博数", "posts"]),
            ExportColumn(.value("engagements"), .count, ["互动数", "互动量", "engagements", "interactions"]),
            ExportColumn(.value("likes"), .count, ["点赞数", "点赞", "赞", "likes"]),
            ExportColumn(.value("comments"), .count, ["评论数", "评论", "comments"]),
            ExportColumn(.value("shares"), .count, ["转发数", "分享数", "转发", "分享", "shares", "reposts"]),
        ])

    /// One day as the benchmark stores it.
    public struct Day: Sendable, Equatable {
        public var day: String
        public var followers: Int?
        public var postsThatDay: Int
        public var engagements: Int
    }

    /// The file's days and problems (as `PlatformExports.parse`): posts
    /// that day default to 0; engagements are the column of that name, else
    /// likes + comments + shares.
    public static func parse(_ text: String, today: String) -> (days: [Day], errors: [RowError]) {
        let parsed = PlatformExports.parse(text, candidates: [kind], today: today)
        let days = parsed.days.map { row -> Day in
            let parts = ["likes", "comments", "shares"].compactMap { row.values[$0] }
            let engagements = row.values["engagements"] ?? parts.reduce(0, +)
            return Day(day: row.day, followers: row.followers, postsThatDay: Int(row.values["posts"] ?? 0), engagements: Int(engagements))
        }
        return (days, parsed.errors)
    }
}

/// A file's problem can be a `Result`'s failure (`PlatformExports.decode`).
extension RowError: Error {}

/// One day of an account read from an export.
public struct ImportedAccountDay: Sendable, Equatable {
    public var line: Int
    public var day: String
    public var followers: Int?
    public var values: [String: Double]

    public init(line: Int, day: String, followers: Int? = nil, values: [String: Double] = [:]) {
        self.line = line
        self.day = day
        self.followers = followers
        self.values = values
    }

    public var isEmpty: Bool { followers == nil && values.isEmpty }
}

/// One account day as the store holds it (what an import is compared with).
public struct StoredAccountDay: Sendable, Equatable {
    public var day: String
    /// `snapshot`, `backfill` or `import`.
    public var source: String
    public var followers: Int?
    public var following: Int?
    public var posts: Int?
    public var values: [String: Double]

    public init(day: String, source: String, followers: Int?, following: Int? = nil, posts: Int? = nil, values: [String: Double] = [:]) {
        self.day = day
        self.source = source
        self.followers = followers
        self.following = following
        self.posts = posts
        self.values = values
    }
}

/// What an import does to the store, day by day: the preview shows it and
/// the commit writes it.
public struct MetricImportPlan: Sendable, Equatable {
    public enum Action: String, Sendable, Codable, CaseIterable {
        /// A day the store did not have.
        case add
        /// A stored day whose figures change.
        case update
        /// A stored day that already holds what the file says (a file imported again).
        case unchanged
    }

    public struct Day: Sendable, Equatable {
        public var line: Int
        public var day: String
        public var action: Action
        /// The day was read by a connector on the day: its followers stay.
        public var snapshotKept: Bool
        /// What the store holds after the import.
        public var result: StoredAccountDay
    }

    public var days: [Day]
    /// Days before the platform's export window (the data-quality check flags them).
    public var olderThanExportWindow: Int
    public var exportWindowDays: Int?

    public func count(_ action: Action) -> Int { days.filter { $0.action == action }.count }
    public var first: String? { days.first?.day }
    public var last: String? { days.last?.day }
    /// Days whose followers a snapshot kept although the file had others.
    public var snapshotKept: Int { days.filter(\.snapshotKept).count }

    /// The import of `rows` over what is `stored` (by day). A day a
    /// connector read on the day (`snapshot`) keeps its followers,
    /// following and posts and stays a snapshot; the file's other figures
    /// are added beside the snapshot's own (which win on a name both
    /// have). Any other day takes the file's figures; a cell left empty
    /// keeps what was stored. A day whose result equals what is stored is
    /// `unchanged` and is not written again.
    public static func make(
        _ rows: [ImportedAccountDay], stored: [String: StoredAccountDay], platform: String, today: String
    ) -> MetricImportPlan {
        let window = MetricTaxonomy.of(platform).exportWindowDays
        let edge = window.map { MetricDay.adding(-$0, to: today) }
        let days = rows.sorted { $0.day < $1.day }.map { row -> Day in
            guard let old = stored[row.day] else {
                return Day(
                    line: row.line, day: row.day, action: .add, snapshotKept: false,
                    result: StoredAccountDay(day: row.day, source: "import", followers: row.followers, values: row.values))
            }
            var result = old
            var kept = false
            if old.source == "snapshot" {
                result.followers = old.followers ?? row.followers
                kept = row.followers != nil && old.followers != nil && row.followers != old.followers
                result.values = old.values.merging(row.values) { own, _ in own }
            } else {
                result.source = "import"
                result.followers = row.followers ?? old.followers
                result.values = old.values.merging(row.values) { _, file in file }
            }
            let same = result.followers == old.followers && result.values == old.values
            if same { result.source = old.source }
            return Day(line: row.line, day: row.day, action: same ? .unchanged : .update, snapshotKept: kept, result: result)
        }
        return MetricImportPlan(
            days: days, olderThanExportWindow: edge.map { edge in days.filter { $0.day < edge }.count } ?? 0, exportWindowDays: window)
    }
}
