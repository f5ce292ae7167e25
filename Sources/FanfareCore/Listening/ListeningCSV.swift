import Foundation

/// A 舆情 service's export of mentions, as CSV: one mention a row, with
/// the columns found by their usual names (Chinese or English) in any
/// order. Time and text are required; an id, else the link, names the
/// mention so that importing the same file again adds nothing.
public enum ListeningCSV {
    public struct Row: Sendable, Equatable {
        public var line: Int
        public var id: String
        public var published: Date
        public var platform: String
        public var author: String
        public var text: String
        public var url: String?
    }

    static let columns: [(name: String, names: [String])] = [
        ("time", ["发布时间", "时间", "日期", "发文时间", "time", "published_at", "date"]),
        ("platform", ["平台", "来源", "媒体", "platform", "source"]),
        ("author", ["作者", "昵称", "发布者", "账号", "author", "user"]),
        ("text", ["内容", "正文", "标题", "摘要", "text", "content"]),
        ("url", ["链接", "原文链接", "网址", "url", "link"]),
        ("id", ["ID", "编号", "序号", "id"]),
    ]

    /// Platform names as exports write them, mapped to Fanfare's.
    static let platforms: [String: String] = [
        "微博": "weibo", "新浪微博": "weibo", "微信": "wechat", "微信公众号": "wechat", "抖音": "douyin", "小红书": "xiaohongshu",
        "哔哩哔哩": "bilibili", "b站": "bilibili", "快手": "kuaishou", "知乎": "zhihu",
    ]

    public static let maxRows = 20_000

    /// The rows, or every problem with its line and column (nothing is
    /// taken from a file with problems). Times without a zone are read in
    /// `zone`.
    public static func parse(_ text: String, zone: TimeZone) -> (rows: [Row], errors: [RowError]) {
        let records: [CSVRecord]
        do {
            records = try CSVReader.records(text)
        } catch {
            return ([], error.issues.map { RowError(line: 1, field: "file", $0.coded) })
        }
        guard let header = records.first else { return ([], [RowError(line: 1, field: "file", .importMissingColumns(columns: ["time", "text"]))]) }
        var index: [String: Int] = [:]
        var errors: [RowError] = []
        for (position, raw) in header.fields.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces)
            guard let column = columns.first(where: { $0.names.contains { $0.caseInsensitiveCompare(name) == .orderedSame } }) else { continue }
            if index[column.name] != nil {
                errors.append(RowError(line: header.line, field: "header", .importColumnTwice(name: name)))
            }
            index[column.name] = position
        }
        let missing = ["time", "text"].filter { index[$0] == nil } + (index["id"] == nil && index["url"] == nil ? ["id"] : [])
        if !missing.isEmpty { errors.append(RowError(line: header.line, field: "header", .importMissingColumns(columns: missing))) }
        guard errors.isEmpty else { return ([], errors) }
        if records.count - 1 > maxRows {
            return ([], [RowError(line: 1, field: "file", .itemsAtMost(max: maxRows, count: records.count - 1))])
        }
        var rows: [Row] = []
        for record in records.dropFirst() {
            func value(_ column: String) -> String {
                guard let at = index[column], at < record.fields.count else { return "" }
                return record.fields[at].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if record.fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            let text = value("text")
            if text.isEmpty || text.count > 5_000 { errors.append(RowError(line: record.line, field: "text", .lengthBetween(min: 1, max: 5_000))) }
            let published = date(value("time"), zone: zone)
            if published == nil { errors.append(RowError(line: record.line, field: "time", .dateTime)) }
            let url = value("url")
            let id = value("id").isEmpty ? url : value("id")
            if id.isEmpty || id.count > 500 {
                errors.append(RowError(line: record.line, field: index["id"] != nil ? "id" : "url", .lengthBetween(min: 1, max: 500)))
            }
            guard let published, !text.isEmpty, !id.isEmpty else { continue }
            let platform = value("platform")
            rows.append(
                Row(
                    line: record.line, id: id, published: published,
                    platform: platforms[platform.lowercased()] ?? (platform.isEmpty ? "other" : platform.lowercased()),
                    author: String(value("author").prefix(200)), text: text, url: url.isEmpty ? nil : String(url.prefix(2_000))))
        }
        return errors.isEmpty ? (rows, []) : ([], errors)
    }

    /// RFC 3339, or `2026-12-07 10:30[:00]` with `-` or `/` in `zone`.
    public static func date(_ text: String, zone: TimeZone) -> Date? {
        if let date = APITime.parse(text) { return date }
        let parts = text.replacingOccurrences(of: "/", with: "-").split(whereSeparator: { $0 == " " || $0 == "T" })
        guard parts.count >= 1, parts.count <= 2 else { return nil }
        let day = parts[0].split(separator: "-").compactMap { Int($0) }
        let time = parts.count == 2 ? parts[1].split(separator: ":").compactMap { Int($0) } : [0, 0]
        guard day.count == 3, time.count >= 2, time.count <= 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(
            year: day[0], month: day[1], day: day[2], hour: time[0], minute: time[1], second: time.count == 3 ? time[2] : 0)
        guard (1...9999).contains(day[0]), (1...12).contains(day[1]), (1...31).contains(day[2]), (0...23).contains(time[0]),
            (0...59).contains(time[1]), calendar.date(from: components).map({ calendar.component(.day, from: $0) == day[2] }) == true
        else { return nil }
        return calendar.date(from: components)
    }
}
