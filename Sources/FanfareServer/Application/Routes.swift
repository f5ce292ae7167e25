import Fluent
import Vapor

/// Every route of the application, from the features' declarations. Pages
/// use cookie sessions with CSRF; the API uses bearer tokens. Workspace
/// routes of both pass through `WorkspaceScopeMiddleware`, the one place
/// where tenants are separated.
func routes(_ app: Application, features: [any Feature] = Features.all) throws {
    let pages = app.grouped(app.sessions.middleware, SessionUserMiddleware(), CSRFMiddleware())
    let signedIn = pages.grouped(RequireSignInMiddleware())
    let api = app.grouped("api", "v1").grouped(BearerTokenMiddleware(), IdempotencyMiddleware())
    let builders = FeatureRoutes(
        app: app, root: app, publicPages: pages, signedInPages: signedIn,
        workspacePages: signedIn.grouped("w", ":workspace").grouped(WorkspaceScopeMiddleware()), api: api,
        workspaceAPI: api.grouped("workspaces", ":workspace").grouped(WorkspaceScopeMiddleware()))
    for feature in features { try feature.routes(builders) }
}
