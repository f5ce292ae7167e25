import FanfareCore
import Foundation

/// Field validation sentences come from `FanfareCore` in English (the API's
/// language). Pages in Chinese show them translated here; a sentence with a
/// value in it is matched as a pattern. An unknown sentence stays English
/// rather than disappear, and a test renders every validator's messages
/// through this table.
enum FieldMessages {
    private static let exact: [String: String] = [
        "is already registered; sign in instead": "已注册，请直接登录",
        "is not your current password": "与当前密码不符",
        "is taken by another workspace; choose another": "已被其他工作区使用，请换一个",
        "must be 1 to 80 characters": "须为 1 到 80 个字符",
        "must be 1 to 80 characters, for example 'CI' or 'Reporting script'": "须为 1 到 80 个字符，例如「CI」或「报表脚本」",
        "must be 2 to 40 lower-case letters, digits or hyphens, not starting or ending with a hyphen":
            "须为 2 到 40 个小写字母、数字或连字符，且不能以连字符开头或结尾",
        "must be a date (2026-11-23) or an ISO-8601 time (2026-11-23T08:00:00Z)": "须为日期（2026-11-23）或 ISO-8601 时间（2026-11-23T08:00:00Z）",
        "must be a next_cursor value returned by this list": "须为此列表返回的 next_cursor 值",
        "must be an IANA time zone such as Asia/Shanghai or UTC": "须为 IANA 时区，例如 Asia/Shanghai 或 UTC",
        "must be an email address such as name@example.com": "须为邮箱地址，例如 name@example.com",
        "must be zh-Hans or en": "须为 zh-Hans 或 en",
        "must differ from the current password": "不能与当前密码相同",
        "must not contain control characters": "不能包含控制字符",
        "only an admin can invite another admin": "只有管理员才能邀请管理员",
        "must be 1 to 64 characters without spaces or slashes, the account's name on the platform": "须为 1 到 64 个字符，不含空格和斜杠，即账号在平台上的名称",
        "must be at most 100,000 characters": "最多 100,000 个字符",
        "must list at most 100 attachments": "最多 100 个附件",
        "must be the file size in bytes, 0 or more": "须为文件大小（字节），不小于 0",
        "cannot be changed after creation, because links and API clients use it": "创建后不能修改，因为链接和 API 客户端都在使用它",
    ]

    /// Compiled when used: only a form with an error reaches this.
    private static let patterns: [(String, String)] = [
        (#"^must be (\d+) to (\d+) bytes long \(it is (\d+)\)$"#, "长度须为 $1 到 $2 字节（当前为 $3 字节）"),
        (#"^must be a whole number from 1 to (\d+)$"#, "须为 1 到 $1 之间的整数"),
        (#"^must be one of: (.+)$"#, "须为以下之一：$1"),
        (#"^is required: one of (.+)$"#, "必填，须为以下之一：$1"),
        (#"^must list 1 to 20 platforms from: (.+)$"#, "须列出 1 到 20 个平台，可选：$1"),
        (#"^must be one of the platforms that can be connected now: (.+)$"#, "须为目前可以连接的平台之一：$1"),
        (#"^is already connected to this workspace on (.+)$"#, "已在此工作区连接（$1）"),
        (#"^must be (\S+@\S+), the address this invitation was made for$"#, "须为 $1，即此邀请指定的邮箱"),
        (#"^must list scopes from: read, write \(got '(.*)'\)$"#, "权限范围只能是 read、write（收到「$1」）"),
    ]

    static func text(_ message: String, _ locale: UILocale) -> String {
        guard locale == .zhHans else { return message }
        if let translated = exact[message] { return translated }
        for (source, template) in patterns {
            guard let pattern = try? Regex(source), let match = message.wholeMatch(of: pattern) else { continue }
            var result = template
            for index in stride(from: match.output.count - 1, through: 1, by: -1) {
                result = result.replacingOccurrences(of: "$\(index)", with: match.output[index].substring.map(String.init) ?? "")
            }
            return result
        }
        return message
    }
}
