import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/calendar`: the scheduled and published posts
/// of a week or month, as JSON or CSV, and the weeks' themes.
struct CalendarAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("calendar", use: show)
        ws.put("calendar", "themes", ":week_start", use: setTheme)
    }

    @Sendable func show(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let (_, days, _) = try CalendarService.requestedDays(req, zone: access.workspace.zone)
        let flat = days.flatMap { $0 }
        let range = try await CalendarService(db: req.db).range(from: flat.first!.date, through: flat.last!.date, in: access)
        let format = req.query[String.self, at: "format"] ?? "json"
        switch format {
        case "json":
            return try await range.encodeResponse(for: req)
        case "csv":
            var csv = CSVWriter(header: ["day", "time", "account", "platform", "title", "status", "state", "url", "post_id"])
            let time = DateFormatter()
            time.locale = Locale(identifier: "en_US_POSIX")
            time.timeZone = access.workspace.zone
            time.dateFormat = "HH:mm"
            for entry in range.entries {
                csv.append([
                    entry.day, time.string(from: entry.at), entry.handle, entry.platform, entry.title, entry.status, entry.state, entry.url ?? "",
                    entry.postId.uuidString,
                ])
            }
            let response = Response(status: .ok, body: .init(string: csv.text))
            response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
            response.headers.contentDisposition = .init(.attachment, filename: "calendar-\(range.from)-\(range.to).csv")
            return response
        default:
            throw ValidationErrors("format", .either(choices: ["json", "csv"]))
        }
    }

    struct ThemeInput: Content {
        var theme: String?
    }

    @Sendable func setTheme(req: Request) async throws -> CalendarService.ThemeDTO {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(ThemeInput.self)
        let theme = try WeeklyTheme(validating: req.parameters.get("week_start") ?? "", theme: input.theme ?? "")
        try await CalendarService(db: req.db).setTheme(theme, in: access, actor: req.actor)
        return .init(weekStart: theme.weekStart.description, theme: theme.theme)
    }
}
