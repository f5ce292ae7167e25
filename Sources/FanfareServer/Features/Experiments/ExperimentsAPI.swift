import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/experiments…`. Reading needs `analytics.view`;
/// creating, starting, ending and deleting `content.edit`.
struct ExperimentsAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        let experiments = ws.grouped("experiments")
        experiments.get(use: list)
        experiments.post(use: create)
        experiments.get(":experiment_id", use: show)
        experiments.delete(":experiment_id", use: delete)
        experiments.get(":experiment_id", "readout", use: readout)
        experiments.get(":experiment_id", "power", use: power)
        experiments.post(":experiment_id", "start", use: start)
        experiments.post(":experiment_id", "end", use: end)
    }

    @Sendable func list(req: Request) async throws -> Page<ExperimentDTO> {
        let access = try req.workspaceAccess
        let service = ExperimentService(db: req.db)
        let experiments = try await service.list(in: access)
        let arms = try await service.arms(of: experiments)
        return Page(items: experiments.map { ExperimentDTO($0, arms: arms[$0.id!] ?? []) }, nextCursor: nil)
    }

    @Sendable func show(req: Request) async throws -> ExperimentDTO {
        let service = ExperimentService(db: req.db)
        let experiment = try await service.find(req.parameters.get("experiment_id"), in: try req.workspaceAccess)
        return try await service.dto(experiment)
    }

    @Sendable func readout(req: Request) async throws -> ReadoutDTO {
        let service = ExperimentService(db: req.db)
        let experiment = try await service.find(req.parameters.get("experiment_id"), in: try req.workspaceAccess)
        return try await service.readout(experiment, arms: try await service.arms(of: experiment))
    }

    @Sendable func power(req: Request) async throws -> PowerDTO {
        let service = ExperimentService(db: req.db)
        let experiment = try await service.find(req.parameters.get("experiment_id"), in: try req.workspaceAccess)
        return try await service.power(experiment, arms: try await service.arms(of: experiment))
    }

    @Sendable func create(req: Request) async throws -> Response {
        let service = ExperimentService(db: req.db)
        let experiment = try await service.create(try req.decodeInput(ExperimentService.Input.self), in: try req.workspaceAccess, actor: req.actor)
        return try await service.dto(experiment).encodeResponse(status: .created, for: req)
    }

    @Sendable func start(req: Request) async throws -> ExperimentDTO {
        let service = ExperimentService(db: req.db)
        let experiment = try await service.start(
            req.parameters.get("experiment_id"), in: try req.workspaceAccess, actor: req.actor, cache: req.application.linkCache)
        return try await service.dto(experiment)
    }

    @Sendable func end(req: Request) async throws -> ExperimentDTO {
        let service = ExperimentService(db: req.db)
        let experiment = try await service.end(
            req.parameters.get("experiment_id"), try req.decodeInput(ExperimentService.EndInput.self), in: try req.workspaceAccess, actor: req.actor,
            cache: req.application.linkCache)
        return try await service.dto(experiment)
    }

    @Sendable func delete(req: Request) async throws -> HTTPStatus {
        try await ExperimentService(db: req.db).delete(req.parameters.get("experiment_id"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }
}
