/// Page text of the Sandbox platform's post pages, in both languages (the same keys in each).
extension PublishingFeature {
    static let stringsEn: [String: String] = [
        "sandbox.post_title": "{0} on the Sandbox",
        "sandbox.notice":
            "This is the post's page on the Sandbox, Fanfare's offline platform: what its readers see. Only members of the workspace that published it can open it.",
        "sandbox.simulates": "simulating {0}",
        "sandbox.published": "published",
        "sandbox.comments": "Comments ({0})",
        "sandbox.no_comments": "No comments yet.",
        "sandbox.more_comments": "{0} older comments are not shown.",
        "sandbox.back": "Back to the post in Fanfare",
    ]

    static let stringsZhHans: [String: String] = [
        "sandbox.post_title": "{0} · 沙盒平台",
        "sandbox.notice": "这是该帖子在沙盒平台（Fanfare 的离线平台）上的页面，即平台读者看到的样子。只有发布它的工作区成员可以打开。",
        "sandbox.simulates": "模拟{0}",
        "sandbox.published": "发布于",
        "sandbox.comments": "评论（{0}）",
        "sandbox.no_comments": "还没有评论。",
        "sandbox.more_comments": "另有 {0} 条较早的评论未显示。",
        "sandbox.back": "回到 Fanfare 中的帖子",
    ]
}
