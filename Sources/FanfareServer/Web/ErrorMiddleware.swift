import FanfareCore
import Vapor

/// Turns every error into a response with the right status: problem+json
/// for machines (`/api`, platforms' pushes under `/hooks`, `/readyz`,
/// `/metrics`), an
/// error page in the person's language elsewhere.
struct FanfareErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let problem = Problem.from(error, request: request)
            if problem.status >= 500 {
                request.logger.error("request failed", metadata: ["error": .string(String(reflecting: error)), "path": .string(request.url.path)])
            }
            if request.url.path.hasPrefix("/api/") || request.url.path.hasPrefix("/hooks/") || ["/readyz", "/metrics"].contains(request.url.path) {
                return Self.problemResponse(problem, request: request)
            }
            return await Self.errorPage(problem, request: request)
        }
    }

    static func problemResponse(_ problem: Problem, request: Request) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "problem+json")
        if problem.status == 401 { headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer realm=\"fanfare\"") }
        let body = (try? JSONEncoder.api.encode(problem)) ?? Data()
        return Response(status: problem.httpStatus, headers: headers, body: .init(data: body))
    }

    static func errorPage(_ problem: Problem, request: Request) async -> Response {
        let locale = request.uiLocale
        let key: String
        switch problem.status {
        case 400, 401, 403, 404, 409, 410, 413, 415, 422, 429: key = "error.\(problem.status)"
        case 500...: key = "error.500"
        default: key = "error.other"
        }
        var detail = I18n.text(key + ".detail", locale)
        if problem.type.hasSuffix("/csrf") { detail = I18n.text("error.csrf", locale) }
        // A coded detail is written in the reader's language; an uncoded
        // one is English, so Chinese pages keep to the translated sentence.
        if problem.status < 500, let coded = problem.coded {
            detail += " " + coded.text(locale)
        } else if locale == .en, problem.status < 500, let own = problem.detail, !problem.type.hasSuffix("/csrf"), problem.status != 404 {
            detail += " " + own
        }
        let body: HTML = """
            <section class="narrow error-page">
            <h1>\(I18n.text(key, locale)) <small class="muted">\(problem.status)</small></h1>
            <p>\(detail)</p>
            \(problem.errors.map { issues in HTML(raw: "<ul>" + issues.map { "<li><code>\(HTML.escape($0.field))</code> \(HTML.escape($0.text(locale)))</li>" }.joined() + "</ul>") })
            <p><a href="/">\(I18n.text("error.home", locale))</a></p>
            </section>
            """
        // Requests outside the page stack (unknown paths, health checks) have
        // no session: they get the frame without person or forms.
        let onPageStack = request.storage[SessionUserMiddleware.OnPageStack.self] == true
        let bare = PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: request.url.path)
        let ctx = onPageStack ? ((try? await PageContext.make(request)) ?? bare) : bare
        let page = Layout.page(ctx, title: I18n.text(key, locale), status: problem.httpStatus, body)
        return (try? await page.encodeResponse(for: request)) ?? Response(status: problem.httpStatus)
    }
}
