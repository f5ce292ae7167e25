import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/listening/sources…`: the 来源 tab's page and forms. Each form
/// goes through the same service as the API; a refused one is shown again
/// with the error next to its field.
extension ListeningPages {
    /// The page's model with the workspace's feeds, searches and accounts.
    func sourcesModel(_ req: Request) async throws -> ListeningPage.SourcesModel {
        let access = try req.workspaceAccess
        let accounts = try await access.query(SocialAccount.self, on: req.db).sort(\.$handle).all()
        func label(_ account: SocialAccount) -> String {
            account.displayName.isEmpty || account.displayName == account.handle ? account.handle : "\(account.displayName) (\(account.handle))"
        }
        return ListeningPage.SourcesModel(
            base: "/w/\(access.workspace.slug)",
            feeds: try await access.query(ListeningFeed.self, on: req.db).sort(\.$name).all().map(FeedDTO.init),
            searches: try await access.query(ListeningSearch.self, on: req.db).sort(\.$platform).sort(\.$query).all().map(SearchSourceDTO.init),
            searchAccounts: accounts.filter { SearchSourceService.platforms.contains($0.platform) }.map {
                ($0.id!.uuidString.lowercased(), "\(label($0)) · \($0.platform == "bluesky" ? "Bluesky" : "Mastodon")")
            },
            accountNames: Dictionary(uniqueKeysWithValues: accounts.map { ($0.id!, label($0)) }), canManage: access.can(.inboxRulesManage))
    }

    private func renderSources(_ req: Request, _ model: ListeningPage.SourcesModel, status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try await PageContext.make(req)
        return try await frame(req, .sources, status: status, ListeningPage.sourcesView(model, ctx)).encodeResponse(for: req)
    }

    private func back(_ req: Request) throws -> Response {
        req.redirect(to: "/w/\(try req.workspaceAccess.workspace.slug)/listening/sources")
    }

    @Sendable func sources(req: Request) async throws -> Response {
        try req.workspaceAccess.require(.inboxView)
        return try await renderSources(req, try await sourcesModel(req))
    }

    @Sendable func addFeed(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxRulesManage)
        let values = ["url": req.formValue("url"), "name": req.formValue("name"), "interval_minutes": req.formValue("interval_minutes")]
        var model = try await sourcesModel(req)
        model.feedValues = values
        return try await submit(req, model, errors: \.feedErrors, taken: "listening.feed_taken", added: "listening.feed_added") {
            _ = try await FeedService.create(
                FeedService.Input(name: values["name"], url: values["url"], intervalMinutes: Self.minutes(values["interval_minutes"])), in: access,
                actor: req.actor, policy: req.application.settings.outboundPolicy, on: req.db)
        }
    }

    /// A typed poll interval: empty is the default; a number that does not
    /// read is refused with the range (which says "whole number"), never
    /// taken as the default.
    static func minutes(_ typed: String?) -> Int? {
        guard let typed = typed?.trimmingCharacters(in: .whitespaces), !typed.isEmpty else { return nil }
        return Int(typed) ?? -1
    }

    /// A source form through its service: back to the tab with a notice,
    /// or the page again with the errors next to their fields (422) or a
    /// duplicate said above the form (409).
    private func submit(
        _ req: Request, _ model: ListeningPage.SourcesModel, errors: WritableKeyPath<ListeningPage.SourcesModel, FormErrors>, taken: String,
        added: String, create: () async throws -> Void
    ) async throws -> Response {
        var model = model
        do {
            try await create()
        } catch let refused as ValidationErrors {
            model[keyPath: errors] = FormErrors(refused)
            return try await renderSources(req, model, status: .unprocessableEntity)
        } catch let problem as Problem where problem.status == 409 {
            model[keyPath: errors] = FormErrors()
            model[keyPath: errors].general = I18n.text(taken, req.uiLocale)
            return try await renderSources(req, model, status: .conflict)
        }
        Flash.add(.notice, I18n.text(added, req.uiLocale), to: req)
        return try back(req)
    }

    @Sendable func removeFeed(req: Request) async throws -> Response {
        try await FeedService.delete(req.parameters.get("feed_id"), in: try req.workspaceAccess, actor: req.actor, on: req.db)
        Flash.add(.notice, I18n.text("listening.source_removed", req.uiLocale), to: req)
        return try back(req)
    }

    @Sendable func addSearch(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxRulesManage)
        var values: [String: String] = [:]
        for key in ["platform", "query", "instance", "account_id", "interval_minutes"] { values[key] = req.formValue(key) }
        var model = try await sourcesModel(req)
        model.searchValues = values
        let input = SearchSourceService.Input(
            platform: values["platform"], query: values["query"], instance: values["instance"], accountId: values["account_id"],
            intervalMinutes: Self.minutes(values["interval_minutes"]))
        return try await submit(req, model, errors: \.searchErrors, taken: "listening.search_taken", added: "listening.search_added") {
            _ = try await SearchSourceService.create(input, in: access, actor: req.actor, policy: req.application.settings.outboundPolicy, on: req.db)
        }
    }

    @Sendable func removeSearch(req: Request) async throws -> Response {
        try await SearchSourceService.delete(req.parameters.get("search_id"), in: try req.workspaceAccess, actor: req.actor, on: req.db)
        Flash.add(.notice, I18n.text("listening.source_removed", req.uiLocale), to: req)
        return try back(req)
    }

    /// The uploaded file through the API's import: how many rows were read
    /// and heard, or every problem by line with nothing written.
    @Sendable func importFile(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxRulesManage)
        var model = try await sourcesModel(req)
        let file = try? req.content.get(File.self, at: "file")
        let csv = file.map { String(buffer: $0.data) } ?? ""
        do {
            model.imported = try await MentionImport.run(MentionImport.Input(csv: csv), in: access, app: req.application, db: req.db)
            return try await renderSources(req, model)
        } catch let errors as ValidationErrors {
            model.importErrors = FormErrors(errors)
        } catch let problem as Problem where problem.status == 422 {
            model.importProblems = (problem.errors ?? []).map { $0.coded.text(req.uiLocale) }
        }
        return try await renderSources(req, model, status: .unprocessableEntity)
    }
}
