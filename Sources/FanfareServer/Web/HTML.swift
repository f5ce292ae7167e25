import Vapor

/// A fragment of HTML. Interpolated strings are escaped; interpolated
/// `HTML` is inserted as it is. Views therefore cannot forget to escape.
struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    private(set) var rendered: String

    init(raw: String) { rendered = raw }
    init(stringLiteral value: String) { rendered = value }
    init(stringInterpolation: Interpolation) { rendered = stringInterpolation.output }
    /// `HTML("…\(value)…")` in an expression: the literal is built as HTML,
    /// so its interpolations are escaped like any other.
    init(_ html: HTML) { self = html }

    var description: String { rendered }

    static let empty = HTML(raw: "")

    struct Interpolation: StringInterpolationProtocol {
        var output = ""
        init(literalCapacity: Int, interpolationCount: Int) { output.reserveCapacity(literalCapacity * 2) }
        mutating func appendLiteral(_ literal: String) { output += literal }
        mutating func appendInterpolation(_ value: String) { output += HTML.escape(value) }
        mutating func appendInterpolation(_ value: Int) { output += String(value) }
        mutating func appendInterpolation(_ html: HTML) { output += html.rendered }
        mutating func appendInterpolation(_ parts: [HTML]) { for part in parts { output += part.rendered } }
        mutating func appendInterpolation(_ html: HTML?) { output += html?.rendered ?? "" }
    }

    /// `text` escaped, with each occurrence of `words` (any case) in
    /// `<mark>`: what a search found, shown where it is.
    static func marking(_ words: String?, in text: String) -> HTML {
        guard let words, !words.isEmpty else { return HTML(raw: escape(text)) }
        var output = ""
        var rest = text[...]
        while let found = rest.range(of: words, options: [.caseInsensitive]) {
            output += escape(String(rest[..<found.lowerBound])) + "<mark>" + escape(String(rest[found])) + "</mark>"
            rest = rest[found.upperBound...]
        }
        return HTML(raw: output + escape(String(rest)))
    }

    static func escape(_ text: String) -> String {
        // Most text has nothing to escape: handed back as it is. Otherwise
        // the bytes are rewritten at once (the five characters are ASCII, so
        // no other character is touched); appending scalar by scalar was a
        // twentieth of a list page's time.
        guard text.utf8.contains(where: needsEscape) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 32)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): out += "&amp;".utf8
            case UInt8(ascii: "<"): out += "&lt;".utf8
            case UInt8(ascii: ">"): out += "&gt;".utf8
            case UInt8(ascii: "\""): out += "&quot;".utf8
            case UInt8(ascii: "'"): out += "&#39;".utf8
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "\"")
            || byte == UInt8(ascii: "'")
    }

    static func join(_ parts: [HTML], separator: HTML = .empty) -> HTML {
        HTML(raw: parts.map(\.rendered).joined(separator: separator.rendered))
    }
}

/// A rendered page with the status it should be sent with.
struct HTMLResponse: AsyncResponseEncodable {
    var status: HTTPStatus = .ok
    var html: HTML

    func encodeResponse(for request: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .html
        headers.replaceOrAdd(
            name: "Content-Security-Policy",
            value: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: status, headers: headers, body: .init(string: "<!doctype html>\n" + html.rendered))
    }
}
