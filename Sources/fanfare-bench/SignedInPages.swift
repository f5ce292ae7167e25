import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The demo workspace's pages as its administrator sees them: signed in
/// through the product's own sign-in form (the form's CSRF token and
/// cookie, then the session cookie it answers with), every list page, and
/// one of each detail page, found by following the first link of its list.
struct SignedInPages {
    /// `Cookie:` header value that carries the session.
    let cookie: String
    /// Name in the report and path, in the order the navigation shows them.
    let paths: [(name: String, path: String)]

    static let workspace = "/w/demo"
    /// Pages without an id in the path.
    static let lists: [(String, String)] = [
        ("workbench", ""), ("posts", "/posts"), ("post_new", "/posts/new"), ("calendar", "/calendar"), ("library", "/library"),
        ("inbox", "/inbox"), ("inbox_rules", "/inbox/rules"), ("inbox_templates", "/inbox/templates"),
        ("inbox_service_levels", "/inbox/service-levels"), ("moderation", "/moderation"), ("moderation_messages", "/moderation/messages"),
        ("moderation_lexicon", "/moderation/lexicon"), ("feedback", "/feedback"), ("fans", "/fans"), ("fans_report", "/fans/report"),
        ("segments", "/segments"), ("activities", "/activities"), ("rewards", "/rewards"), ("accounts", "/accounts"),
        ("analytics", "/analytics"), ("reports", "/reports"), ("links", "/links"), ("fan_analytics", "/fan-analytics"),
        ("competitors", "/competitors"), ("anomalies", "/analytics/anomalies"), ("imports", "/analytics/imports"),
        ("members", "/members"), ("audit", "/audit"), ("notifications", "/notifications"), ("settings", "/settings"),
    ]
    /// Detail pages: the first link to one from its list page.
    static let details: [(name: String, list: String)] = [
        ("post", "/posts"), ("conversation", "/inbox"), ("feedback_ticket", "/feedback"), ("fan", "/fans"), ("segment", "/segments"),
        ("activity", "/activities"), ("reward", "/rewards"), ("report", "/reports"),
    ]

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func open(_ server: ServerUnderTest) async throws -> SignedInPages {
        let client = Client(base: server.base)
        let cookie = try await signIn(server)
        var paths = lists.map { (name: $0.0, path: workspace + $0.1) }
        for (name, list) in details {
            let page = try await client.get(workspace + list, cookie: cookie)
            let pattern = try Regex("\(workspace)\(list)/([0-9A-Fa-f-]{36})")
            guard page.status == 200, let found = page.body.firstMatch(of: pattern), let id = found.output[1].substring else {
                throw Failure(description: "\(workspace)\(list) answered \(page.status) with no link to a \(name)")
            }
            paths.append((name, "\(workspace)\(list)/\(id)"))
        }
        let pages = SignedInPages(cookie: cookie, paths: paths)
        try await pages.check(server)
        return pages
    }

    /// Signs in as the demo administrator through the sign-in form and
    /// returns the `Cookie` header that carries the session.
    static func signIn(_ server: ServerUnderTest) async throws -> String {
        let client = Client(base: server.base)
        let password = try String(contentsOf: server.dataDirectory.appendingPathComponent("demo-password"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let form = try await client.get("/sign-in", cookie: nil)
        guard form.status == 200, let token = form.body.firstMatch(of: #/name="csrf_token" value="([^"]+)"/#)?.output.1,
            let nonce = form.cookies["fanfare_csrf"]
        else { throw Failure(description: "the sign-in form answered \(form.status) without its CSRF token and cookie") }
        let body = [("csrf_token", String(token)), ("email", "demo@fanfare.local"), ("password", password), ("next", workspace)]
            .map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        let signedIn = try await client.post("/sign-in", body: body, cookie: "fanfare_csrf=\(nonce)")
        guard signedIn.status == 303 || signedIn.status == 302, let session = signedIn.cookies["fanfare_session"] else {
            throw Failure(description: "signing in as demo@fanfare.local answered \(signedIn.status) without a session cookie")
        }
        return "fanfare_session=\(session); fanfare_csrf=\(nonce)"
    }

    /// Every page answers 200 to the session (not a redirect to sign in).
    func check(_ server: ServerUnderTest) async throws {
        let client = Client(base: server.base)
        for (name, path) in paths {
            let page = try await client.get(path, cookie: cookie)
            guard page.status == 200 else { throw Failure(description: "the \(name) page \(path) answered \(page.status), not 200") }
        }
    }

    /// Plain HTTP/1.1 exchanges on a fresh loopback connection each: no
    /// redirect followed, no cookie kept, the Set-Cookie lines read as sent.
    private struct Client {
        let base: String

        struct Answer {
            var status: Int
            var body: String
            var cookies: [String: String]
        }

        func get(_ path: String, cookie: String?) async throws -> Answer {
            try exchange("GET", path, body: nil, cookie: cookie)
        }

        func post(_ path: String, body: String, cookie: String) async throws -> Answer {
            try exchange("POST", path, body: body, cookie: cookie)
        }

        private func exchange(_ method: String, _ path: String, body: String?, cookie: String?) throws -> Answer {
            guard let url = URL(string: base), let host = url.host, let port = url.port else { throw Failure(description: "bad base \(base)") }
            var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nAccept-Language: zh-Hans\r\n"
            if let cookie { head += "Cookie: \(cookie)\r\n" }
            if let body {
                head += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n"
            }
            let request = Data((head + "\r\n" + (body ?? "")).utf8)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw Failure(description: "no socket") }
            defer { close(descriptor) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr(host)
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            guard connected else { throw Failure(description: "could not connect to \(base)") }
            var sent = 0
            while sent < request.count {
                let n = request.withUnsafeBytes { send(descriptor, $0.baseAddress! + sent, request.count - sent, 0) }
                guard n > 0 else { throw Failure(description: "could not send to \(base)") }
                sent += n
            }
            var received = Data()
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = recv(descriptor, &buffer, buffer.count, 0)
                if n <= 0 { break }
                received.append(contentsOf: buffer[0..<n])
            }
            guard let end = received.firstRange(of: Data("\r\n\r\n".utf8)) else { throw Failure(description: "no answer to \(method) \(path)") }
            let lines = String(decoding: received[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
            let status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } } ?? 0
            var cookies: [String: String] = [:]
            var chunked = false
            for line in lines.dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 else { continue }
                if parts[0].lowercased() == "set-cookie", let pair = parts[1].split(separator: ";").first {
                    let nameValue = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    if nameValue.count == 2 { cookies[nameValue[0]] = nameValue[1] }
                }
                if parts[0].lowercased() == "transfer-encoding", parts[1].lowercased().contains("chunked") { chunked = true }
            }
            var content = Data(received[end.upperBound...])
            if chunked { content = Self.dechunk(content) }
            return Answer(status: status, body: String(decoding: content, as: UTF8.self), cookies: cookies)
        }

        private static func dechunk(_ data: Data) -> Data {
            var out = Data()
            var rest = data[...]
            while let lineEnd = rest.firstRange(of: Data("\r\n".utf8)) {
                let size = Int(String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? "", radix: 16) ?? 0
                let start = lineEnd.upperBound
                guard size > 0, rest.distance(from: start, to: rest.endIndex) >= size else { break }
                out.append(rest[start..<rest.index(start, offsetBy: size)])
                rest = rest[rest.index(start, offsetBy: size)...].dropFirst(2)
            }
            return out
        }
    }
}
