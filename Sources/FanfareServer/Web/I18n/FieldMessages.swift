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
        "has no letter, digit or character left once spaces, punctuation, symbols and emoji are ignored": "忽略空格、标点、符号和表情后没有剩下任何字母、数字或文字",
        "is allow; an allow-list phrase has no category or severity to edit, delete it and add another": "是放行短语，没有类别和级别可改；请删除后重新添加",
        "is required: true adds the phrase to the allow-list, false dismisses": "必填：true 将短语加入放行名单，false 驳回",
        "must be 1 to 100 characters": "须为 1 到 100 个字符",
        "must be a whole number from 0 to 10000": "须为 0 到 10000 之间的整数",
        "must be at most 1,000 characters": "最多 1,000 个字符",
        "must be at most 5 MB": "最大 5 MB",
        "must contain the term it allows: an allowed phrase only covers matches inside it": "须包含所放行的词：放行短语只覆盖其中的匹配",
        "must be 1 to 40 lower-case letters, digits or _ starting with a letter, e.g. advertising_law":
            "须为 1 到 40 个小写字母、数字或 _，以字母开头，例如 advertising_law",
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
        "contains a line break or control character; write it on one line": "含有换行或控制字符，请写在一行内",
        "is not a real date; use YYYY-MM-DD, e.g. 2025-03-10": "不是有效日期，请用 YYYY-MM-DD，例如 2025-03-10",
        "is required when rejecting: say what has to change": "驳回时必填：请说明需要修改什么",
        "must be 1 to 120 characters": "须为 1 到 120 个字符",
        "must be 1 to 200 characters": "须为 1 到 200 个字符",
        "must be a date and time": "须为日期和时间",
        "must be a date such as 2027-06-30 or an ISO 8601 time": "须为日期（如 2027-06-30）或 ISO 8601 时间",
        "must be a size in bytes from 0 to 10 GiB": "须为 0 到 10 GiB 之间的字节数",
        "must be a time such as 2026-12-01T09:30:00+08:00, or 2026-12-01 09:30 in the workspace's time zone":
            "须为时间，例如 2026-12-01T09:30:00+08:00，或工作区时区的 2026-12-01 09:30",
        "must be a whole number of bytes": "须为整数字节数",
        "must be approve or reject": "须为 approve 或 reject",
        "must be at least 0 and less than 1 (0.30 keeps 30 % of slots for hot topics)": "须不小于 0 且小于 1（0.30 表示为热点保留 30% 的发布位）",
        "must be at most 100 characters": "最多 100 个字符",
        "must be at most 2,000 characters": "最多 2,000 个字符",
        "must be at most 200 characters": "最多 200 个字符",
        "must be at most 30 tags": "最多 30 个标签",
        "must be at most 5,000 characters": "最多 5,000 个字符",
        "must be at most 50,000 characters": "最多 50,000 个字符",
        "must be at most 500 characters": "最多 500 个字符",
        "must be in the future (or leave it empty to publish now)": "须为将来的时间（留空则立即发布）",
        "must be json or csv": "须为 json 或 csv",
        "must be the id of a topic in this workspace's topic library": "须为本工作区选题库中选题的 id",
        "must be week or month": "须为 week 或 month",
        "must list at least one review step": "须至少包含一个审核步骤",
        "must name at least one connected account": "须至少选择一个已连接的账号",
        "must not be empty": "不能为空",
        "a quoted field opens here and is never closed; end it with a double quote (\")": "此处的引号字段没有结束；请用双引号（\"）结束",
        "must hold the CSV text, a header row and one row per post": "须包含 CSV 文本：一行表头，每条内容一行",
        "must say where the file is (a URL or a path), at most 2,000 characters": "须写明文件位置（URL 或路径），最多 2,000 个字符",
    ]

    /// Compiled when used: only a form with an error reaches this.
    private static let patterns: [(String, String)] = [
        (#"^must be (\d+) to (\d+) bytes long \(it is (\d+)\)$"#, "长度须为 $1 到 $2 字节（当前为 $3 字节）"),
        (#"^must be a whole number from 1 to (\d+)$"#, "须为 1 到 $1 之间的整数"),
        (#"^must be one of: (.+)$"#, "须为以下之一：$1"),
        (#"^is already in the lexicon as "(.+)"; edit that entry instead$"#, "已在词库中（「$1」）；请编辑该条目"),
        (#"^has (\d+) terms; at most 100,000 are accepted$"#, "有 $1 个词；最多接受 100,000 个"),
        (#"^severity "(.*)" is not one of: warn, review, block$"#, "级别「$1」须为 warn、review、block 之一"),
        (#"^scope "(.*)" is not one of: all, content, incoming$"#, "范围「$1」须为 all、content、incoming 之一"),
        (#"^term "(.*)" repeats line (\d+) \(the same once case, width and script are ignored\)$"#, "词语「$1」与第 $2 行重复（忽略大小写、全角半角和繁简后相同）"),
        (#"^has (\d+) fields; expected term,category,severity\[,scope\]$"#, "有 $1 列；应为 term,category,severity[,scope]"),
        (#"^is required: one of (.+)$"#, "必填，须为以下之一：$1"),
        (#"^must list 1 to 20 platforms from: (.+)$"#, "须列出 1 到 20 个平台，可选：$1"),
        (#"^must be one of the platforms that can be connected now: (.+)$"#, "须为目前可以连接的平台之一：$1"),
        (#"^is (\d+) characters long; (\S+) accepts at most (\d+) \(each visible character counts 1\)$"#, "共 $1 个字符；$2 最多 $3 个（每个可见字符计 1）"),
        (
            #"^is (\d+) characters long; (\S+) accepts at most (\d+) \(each visible character counts 1, each link (\d+)\)$"#,
            "共 $1 个字符；$2 最多 $3 个（每个可见字符计 1，每个链接计 $4）"
        ),
        (
            #"^is (\d+) 汉字 units long; (\S+) accepts at most (\d+) \(Chinese characters and emoji count 1, Latin letters and digits ½.*\)$"#,
            "共 $1 个汉字单位；$2 最多 $3 个（汉字和表情计 1，字母和数字计 ½）"
        ),
        (#"^is (\d+) bytes long; (\S+) accepts at most (\d+) \(UTF-8 bytes.*\)$"#, "共 $1 字节；$2 最多 $3 字节（UTF-8：汉字计 3，表情计 4 或以上）"),
        (#"^(\S+) has no title field; the title will not be published$"#, "$1 没有标题字段，标题不会发布"),
        (#"^is required on (\S+) \(at most (\d+) .+\)$"#, "在 $1 上必填（最多 $2 个）"),
        (#"^has (\d+) attachments; (\S+) accepts at most (\d+)$"#, "有 $1 个附件；$2 最多 $3 个"),
        (#"^has a topic without its closing #: (\S+) writes topics as #话题#$"#, "话题缺少结尾的 #：$1 的话题写作 #话题#"),
        (#"^uses Weibo's #话题# form; (\S+) writes #(.+) without the closing #$"#, "使用了微博的 #话题# 写法；$1 写作 #$2，不带结尾的 #"),
        (#"^contains a hashtag; (\S+) takes tags in the tags field, not in the text$"#, "正文含话题标签；$1 的标签应放在标签字段，而非正文"),
        (#"^is ([\d.,]+ ?[KMG]?i?B); (\S+) accepts a (\S+) up to (.+)$"#, "大小为 $1；$2 的 $3 最大 $4"),
        (#"^is a (\S+); (\S+) accepts (.+)$"#, "是 $1；$2 只接受 $3"),
        (#"^needs at least one (.+) on (\S+)$"#, "$2 至少需要一个 $1"),
        (#"^mixes a video with other attachments; (\S+) takes a video on its own$"#, "视频与其他附件混在一起；$1 的视频须单独发布"),
        (#"^submitted this item and cannot approve it; another member must approve (.+)$"#, "提交了此内容，不能审核通过；「$1」须由其他成员完成"),
        (#"^already approved (.+) in this round; another member must approve (.+)$"#, "本轮已通过「$1」；「$2」须由其他成员完成"),
        (#"^names '(.*)', which is not an account of this workspace$"#, "「$1」不是本工作区的账号"),
        (#"^names '(.*)', which is not in the topic library$"#, "「$1」不在选题库中"),
        (#"^applies to Sandbox accounts only and must be one of: (.+)$"#, "仅适用于 Sandbox 账号，须为以下之一：$1"),
        (#"^must list ids of (.+) \('(.*)' is not an id\)$"#, "须列出 id（「$2」不是 id）"),
        (#"^must list ids of (.+) of this workspace \(not found: (.+)\)$"#, "须为本工作区的 id（未找到：$2）"),
        (#"^each tag must be 1 to 40 characters without spaces \('(.*)' is not\)$"#, "每个标签须为 1 到 40 个字符且不含空格（「$1」不符合）"),
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
