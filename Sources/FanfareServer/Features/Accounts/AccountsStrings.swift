/// Page text of the connected accounts, in both languages (the same keys in each).
extension AccountsFeature {
    static let stringsEn: [String: String] = [
        "accounts.title": "Accounts",
        "accounts.none": "No account is connected yet.",
        "accounts.connect": "Connect an account",
        "accounts.connect_intro":
            "Connect the brand's account on a platform. Platforms appear here as their connectors are finished; the Sandbox is an offline platform for trying everything out.",
        "accounts.platform": "Platform",
        "accounts.handle": "Account name on the platform",
        "accounts.followers": "Followers",
        "accounts.disconnect": "Disconnect",
        "accounts.connected": "{0} is connected.",
        "accounts.disconnected": "The account is disconnected.",
        "accounts.status.connected": "Connected",
        "accounts.status.needs_reconnect": "Needs reconnecting",
        "accounts.simulates": "Follows the rules of (Sandbox only)",
    ]

    static let stringsZhHans: [String: String] = [
        "accounts.title": "账号",
        "accounts.none": "还没有连接任何账号。",
        "accounts.connect": "连接账号",
        "accounts.connect_intro": "连接品牌在各平台的账号。平台的连接器完成后会出现在这里；Sandbox 是一个离线平台，用来试用全部功能。",
        "accounts.platform": "平台",
        "accounts.handle": "平台上的账号名",
        "accounts.followers": "粉丝数",
        "accounts.disconnect": "断开",
        "accounts.connected": "{0} 已连接。",
        "accounts.disconnected": "账号已断开。",
        "accounts.status.connected": "已连接",
        "accounts.status.needs_reconnect": "需要重新连接",
        "accounts.simulates": "遵循哪个平台的规则（仅 Sandbox）",
    ]
}
