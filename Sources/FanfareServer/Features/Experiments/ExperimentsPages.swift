import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/experiments…`: each form goes through `ExperimentService`, as
/// the API does; a refused form is shown again with its errors.
struct ExperimentsPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("experiments", use: list)
        scoped.post("experiments", use: create)
        scoped.get("experiments", ":experiment_id", use: show)
        scoped.post("experiments", ":experiment_id", "start", use: start)
        scoped.post("experiments", ":experiment_id", "end", use: end)
        scoped.post("experiments", ":experiment_id", "delete", use: delete)
    }

    private func listModel(_ req: Request) async throws -> ExperimentsPage.ListModel {
        let access = try req.workspaceAccess
        let service = ExperimentService(db: req.db)
        let listed = try await service.list(in: access)
        let armsByExperiment = try await service.arms(of: listed)
        let experiments = listed.map { ExperimentDTO($0, arms: armsByExperiment[$0.id!] ?? []) }
        let posts = try await PostService.recentPublished(in: access, limit: 200, on: req.db)
        let links = try await access.query(ShortLink.self, on: req.db).filter(\.$disabledAt == nil).sort(\.$id, .descending).limit(200).all()
        let base = req.application.settings.linkBase
        let accounts = try await access.query(SocialAccount.self, on: req.db).filter(
            \.$platform ~~ ConnectorRegistry.audienceSendingPlatforms.sorted()
        )
        .sort(\.$handle).all()
        return ExperimentsPage.ListModel(
            base: "/w/\(access.workspace.slug)", experiments: experiments,
            links: links.map { ($0.id!.uuidString.lowercased(), "\(LinkService.shortURL(base: base, code: $0.code)) → \($0.destination)") },
            posts: posts.map { ($0.id.uuidString.lowercased(), $0.label) },
            accounts: accounts.map { ($0.id!.uuidString.lowercased(), "\(I18n.text("platform.\($0.platform)", req.uiLocale)) · \($0.handle)") },
            canEdit: access.can(.contentEdit))
    }

    private func render(_ req: Request, _ model: ExperimentsPage.ListModel, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let ctx = try await PageContext.make(req)
        return Layout.page(ctx, title: ctx.t("experiments.title"), status: status, ExperimentsPage.listView(model, ctx))
    }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try req.workspaceAccess.require(.analyticsView)
        return try await render(req, try await listModel(req))
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.contentEdit)
        var values: [String: String] = [:]
        for key in ["name", "hypothesis", "varies", "assignment", "link_id", "account_id", "metric", "conversion_type"] {
            values[key] = req.formValue(key)
        }
        var arms: [ExperimentService.ArmInput] = []
        for i in 0..<ExperimentArms.count.upperBound {
            for part in ["name", "destination", "weight"] { values["arm\(i)_\(part)"] = req.formValue("arm\(i)_\(part)") }
            let name = values["arm\(i)_name"] ?? ""
            let destination = values["arm\(i)_destination"] ?? ""
            let posts = Forms.values(req, "arm\(i)_post_ids")
            values["arm\(i)_post_ids"] = posts.joined(separator: ",")
            // The optional arms left empty are not arms.
            if i >= 2, name.isEmpty, destination.isEmpty, posts.isEmpty { continue }
            let typed = (values["arm\(i)_weight"] ?? "").trimmingCharacters(in: .whitespaces)
            arms.append(
                ExperimentService.ArmInput(name: name, weight: typed.isEmpty ? 1 : Double(typed) ?? -1, destination: destination, postIds: posts))
        }
        let input = ExperimentService.Input(
            name: values["name"], hypothesis: values["hypothesis"], varies: values["varies"], assignment: values["assignment"],
            metric: values["metric"],
            conversionType: values["conversion_type"], linkId: values["link_id"], accountId: values["account_id"], arms: arms)
        do {
            let experiment = try await ExperimentService(db: req.db).create(input, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("experiments.created", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/experiments/\(experiment.id!.uuidString.lowercased())")
        } catch let refused as ValidationErrors {
            var model = try await listModel(req)
            model.values = values
            model.errors = FormErrors(ValidationErrors(refused.issues.map { FieldIssue(field: ExperimentsPage.formField($0.field), $0.coded) }))
            return try await render(req, model, status: .unprocessableEntity).encodeResponse(for: req)
        } catch let problem as Problem where problem.status == 409 {
            var model = try await listModel(req)
            model.values = values
            model.errors.general = I18n.text("experiments.too_many", req.uiLocale)
            return try await render(req, model, status: .conflict).encodeResponse(for: req)
        }
    }

    private func showModel(_ req: Request) async throws -> ExperimentsPage.ShowModel {
        let access = try req.workspaceAccess
        let service = ExperimentService(db: req.db)
        let experiment = try await service.find(req.parameters.get("experiment_id"), in: access)
        let arms = try await service.arms(of: experiment)
        var link: ShortLink?
        if let linkID = experiment.linkID { link = try await ShortLink.find(linkID, on: req.db) }
        let posts = try await PostService.labels(Array(Set(arms.flatMap(\.postIDs))), in: access, on: req.db)
        var accountLabel = ""
        if let accountID = experiment.audienceAccountID,
            let account = try await access.query(SocialAccount.self, on: req.db).filter(\.$id == accountID).first()
        {
            accountLabel = "\(I18n.text("platform.\(account.platform)", req.uiLocale)) · \(account.handle)"
        }
        return ExperimentsPage.ShowModel(
            base: "/w/\(access.workspace.slug)", experiment: try await service.dto(experiment),
            readout: try await service.readout(experiment, arms: arms),
            power: experiment.state == Experiment.State.finished.rawValue ? nil : try await service.power(experiment, arms: arms),
            shortURL: link.map { LinkService.shortURL(base: req.application.settings.linkBase, code: $0.code) } ?? "",
            canEdit: access.can(.contentEdit), postLabels: posts.mapValues(\.label), accountLabel: accountLabel)
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        let model = try await showModel(req)
        let ctx = try await PageContext.make(req)
        return Layout.page(ctx, title: model.experiment.name, typedTitle: true, ExperimentsPage.showView(model, ctx))
    }

    private func back(_ req: Request) throws -> Response {
        let access = try req.workspaceAccess
        return req.redirect(to: "/w/\(access.workspace.slug)/experiments/\(req.parameters.get("experiment_id") ?? "")")
    }

    @Sendable func start(req: Request) async throws -> Response {
        do {
            let started = try await ExperimentService(db: req.db).start(
                req.parameters.get("experiment_id"), in: try req.workspaceAccess, actor: req.actor, cache: req.application.linkCache)
            let notice =
                started.audienceAccountID != nil
                ? "experiments.started_notice_audience" : started.linkID == nil ? "experiments.started_notice_posts" : "experiments.started_notice"
            Flash.add(.notice, I18n.text(notice, req.uiLocale), to: req)
        } catch let problem as Problem where problem.status == 409 && problem.type.hasSuffix("/" + AudienceSends.tooFewType) {
            Flash.add(.error, I18n.text("experiments.audience_too_few", req.uiLocale, [String(AudienceSends.minimumPerGroup)]), to: req)
        } catch let problem as Problem where problem.status == 409 {
            Flash.add(.error, I18n.text("experiments.link_busy", req.uiLocale), to: req)
        } catch let refused as ValidationErrors where refused.issues.first?.field == "link_id" {
            Flash.add(.error, I18n.text("experiments.link_gone", req.uiLocale), to: req)
        }
        return try back(req)
    }

    @Sendable func end(req: Request) async throws -> Response {
        let input = ExperimentService.EndInput(winnerArmId: req.formValue("winner_arm_id"), decision: req.formValue("decision"))
        do {
            let ended = try await ExperimentService(db: req.db).end(
                req.parameters.get("experiment_id"), input, in: try req.workspaceAccess, actor: req.actor, cache: req.application.linkCache)
            Flash.add(.notice, I18n.text(ended.linkID == nil ? "experiments.ended_notice_posts" : "experiments.ended_notice", req.uiLocale), to: req)
        } catch let refused as ValidationErrors {
            var model = try await showModel(req)
            model.errors = FormErrors(refused)
            let ctx = try await PageContext.make(req)
            return try await Layout.page(
                ctx, title: model.experiment.name, typedTitle: true, status: .unprocessableEntity, ExperimentsPage.showView(model, ctx)
            )
            .encodeResponse(for: req)
        } catch let problem as Problem where problem.status == 409 {
            Flash.add(.error, I18n.text("experiments.not_running", req.uiLocale), to: req)
        }
        return try back(req)
    }

    @Sendable func delete(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        do {
            try await ExperimentService(db: req.db).delete(req.parameters.get("experiment_id"), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("experiments.deleted", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/experiments")
        } catch let problem as Problem where problem.status == 409 {
            Flash.add(.error, I18n.text("experiments.running_no_delete", req.uiLocale), to: req)
            return try back(req)
        }
    }
}
