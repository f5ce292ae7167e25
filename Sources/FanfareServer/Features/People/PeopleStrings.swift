/// Page text of signing in, first-run setup, profile and password, in both languages (the same keys in each).
extension PeopleFeature {
    static let stringsEn: [String: String] = [
        "signin.title": "Sign in",
        "signin.submit": "Sign in",
        "signin.wrong": "The email or password is not right.",
        "signin.locked": "Too many failed sign-ins. For your safety, sign-in is paused; try again in {0} minute(s).",
        "signin.already": "You are signed in as {0}.",
        "signin.continue": "Continue",
        "setup.title": "Set up Fanfare",
        "setup.intro": "Create the first administrator. This link works once.",
        "setup.submit": "Create administrator",
        "setup.done": "Welcome! Create a workspace for your first brand.",
        "profile.title": "Profile",
        "password.title": "Change password",
        "password.intro": "Changing your password signs you out everywhere else.",
        "password.submit": "Change password",
        "password.changed": "Your password was changed. Other sessions were signed out.",
        "password.locked": "Too many wrong passwords. For your safety, password checks are paused; try again in {0} minute(s).",
    ]

    static let stringsZhHans: [String: String] = [
        "signin.title": "登录",
        "signin.submit": "登录",
        "signin.wrong": "邮箱或密码不正确。",
        "signin.locked": "登录失败次数过多。为保护账号，登录已暂停，请在 {0} 分钟后再试。",
        "signin.already": "你已以 {0} 身份登录。",
        "signin.continue": "继续",
        "setup.title": "初始化 Fanfare",
        "setup.intro": "创建第一个管理员。此链接只能使用一次。",
        "setup.submit": "创建管理员",
        "setup.done": "欢迎！请为你的第一个品牌创建工作区。",
        "profile.title": "个人资料",
        "password.title": "修改密码",
        "password.intro": "修改密码后，你在其他地方的登录都会退出。",
        "password.submit": "修改密码",
        "password.changed": "密码已修改，其他会话已退出。",
        "password.locked": "密码错误次数过多。为保护账号，密码校验已暂停，请在 {0} 分钟后再试。",
    ]
}
