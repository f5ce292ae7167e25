/// Page text of API tokens, in both languages (the same keys in each).
extension TokensFeature {
    static let stringsEn: [String: String] = [
        "tokens.title": "API tokens",
        "tokens.intro": "Tokens let scripts use the JSON API as you. Send one in a header:",
        "tokens.scope.read": "Read",
        "tokens.scope.write": "Write",
        "tokens.none": "No tokens yet.",
        "tokens.new": "New token",
        "tokens.create": "Create token",
        "tokens.created": "Your new token",
        "tokens.copy_now": "Copy it now: it is not shown again and Fanfare keeps only its fingerprint.",
        "tokens.hint": "Starts with",
        "tokens.scopes": "Scopes",
        "tokens.created_at": "Created",
        "tokens.last_used": "Last used",
        "tokens.revoke": "Revoke",
        "tokens.revoked": "Revoked",
        "tokens.revoked_notice": "Token revoked.",
        "tokens.password_hint": "A token acts as you until it is revoked, so creating one asks for your password.",
    ]

    static let stringsZhHans: [String: String] = [
        "tokens.title": "API 令牌",
        "tokens.intro": "令牌让脚本以你的身份使用 JSON API。请在请求头中发送：",
        "tokens.scope.read": "读取",
        "tokens.scope.write": "写入",
        "tokens.none": "还没有令牌。",
        "tokens.new": "新建令牌",
        "tokens.create": "创建令牌",
        "tokens.created": "你的新令牌",
        "tokens.copy_now": "请立即复制：它不会再次显示，Fanfare 只保存它的指纹。",
        "tokens.hint": "开头",
        "tokens.scopes": "权限范围",
        "tokens.created_at": "创建时间",
        "tokens.last_used": "最近使用",
        "tokens.revoke": "撤销",
        "tokens.revoked": "已撤销",
        "tokens.revoked_notice": "令牌已撤销。",
        "tokens.password_hint": "令牌在撤销前都能以你的身份操作，因此创建令牌需要输入密码。",
    ]
}
