import Foundation
import Hummingbird
import TelltaleStore

/// Registers the web dashboard: assets, sign-in, and every page (each behind the session cookie).
///
/// Pages are registered on the router directly, not in the API's ``RouteTable`` (they are not part of the
/// OpenAPI document). A request without a live session is redirected (303) to `/login?next=…`.
struct DashboardController: Sendable {
    let store: any CallStore
    let configuration: ServerConfiguration
    /// Delivery services for the Alerts page's "send test".
    var alertServices = AlertServices()

    typealias Render = @Sendable (DashboardRequest, Request, TelltaleRequestContext) async throws -> DashboardPage

    func register(on router: Router<TelltaleRequestContext>) {
        router.get("/assets/app.css") { _, _ in DashboardResponse.asset(DashboardStyle.css, contentType: "text/css; charset=utf-8") }
        router.get("/assets/app.js") { _, _ in
            DashboardResponse.asset(DashboardScript.javascript, contentType: "text/javascript; charset=utf-8")
        }
        SignInController(store: store, configuration: configuration.dashboard).register(on: router)
        let store = store
        page(router, "/") { request, _, _ in try await OverviewPage(store: store).render(request) }
        for kind in TargetKind.allCases {
            let path = TargetsPage.path(kind)
            page(router, path) { request, _, _ in try await TargetsPage(store: store, kind: kind).render(request) }
        }
        page(router, "/tools/{name}") { request, _, context in
            try await TargetDetailPage(store: store, kind: .tool, name: try Self.pathParameter(context, "name")).render(request)
        }
        page(router, "/prompts/{name}") { request, _, context in
            try await TargetDetailPage(store: store, kind: .prompt, name: try Self.pathParameter(context, "name")).render(request)
        }
        page(router, "/resources/detail") { request, raw, _ in
            guard let uri = raw.uri.queryParameters["uri"], !uri.isEmpty else {
                throw DashboardNotFound(message: "Which resource? The link needs ?uri=…")
            }
            return try await TargetDetailPage(store: store, kind: .resource, name: String(uri)).render(request)
        }
        for side in PeersPage.Side.allCases {
            page(router, side.path) { request, _, _ in try await PeersPage(store: store, side: side).render(request) }
            page(router, "\(side.path)/{name}") { request, _, context in
                try await PeerDetailPage(store: store, side: side, name: try Self.pathParameter(context, "name")).render(request)
            }
        }
        page(router, "/matrix") { request, _, _ in try await MatrixPage(store: store).render(request) }
        page(router, "/throughput") { request, _, _ in try await ThroughputPage(store: store).render(request) }
        page(router, "/sessions") { request, _, _ in try await SessionsPage(store: store).render(request) }
        page(router, "/sessions/{id}") { request, _, context in
            try await SessionTimelinePage(store: store, id: try Self.pathParameter(context, "id")).render(request)
        }
        page(router, "/calls/{id}") { request, _, context in
            try await CallDetailPage(store: store, id: try Self.pathParameter(context, "id")).render(request)
        }
        page(router, "/regressions") { request, _, _ in try await RegressionsPage(store: store).render(request) }
        page(router, "/alerts") { request, _, _ in try await AlertsPage(store: store).render(request) }
        page(router, "/alerts/rules/{id}") { request, _, context in
            try await AlertRulePage(store: store, id: try Self.pathParameter(context, "id")).render(request)
        }
        AlertsDashboardActions(store: store, services: alertServices, configuration: configuration).register(on: router)
    }

    /// A signed-in page at `path`.
    private func page(_ router: Router<TelltaleRequestContext>, _ path: String, _ render: @escaping Render) {
        let auth = DashboardAuth(store: store)
        let configuration = configuration
        router.get(RouterPath(path)) { request, context in
            let now = Date()
            guard let (_, session) = try await auth.session(request, now: now) else {
                return DashboardAuth.signInRedirect(request)
            }
            let dashboard = DashboardRequest(
                session: session,
                projects: try await auth.projects(for: session),
                filters: DashboardFilters(request, now: now),
                parameters: URLQuery.decodeForm(request.uri.query ?? ""),
                path: request.uri.path,
                now: now,
                configuration: configuration,
                baseURL: Self.baseURL(request, configuration)
            )
            do {
                let page = try await render(dashboard, request, context)
                return DashboardResponse.html(DashboardLayout.render(page, dashboard))
            } catch let error as DashboardNotFound {
                let page = DashboardPage(title: "Not found", body: "<div class=\"error-box\" role=\"alert\">\(error.message)</div>", showFilters: false)
                return DashboardResponse.html(DashboardLayout.render(page, dashboard), status: .notFound)
            } catch {
                context.logger.error("dashboard page failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
                let page = DashboardPage(
                    title: "Something went wrong",
                    body: "<div class=\"error-box\" role=\"alert\"><p>This page could not be built: \(String(describing: error))</p></div>"
                )
                return DashboardResponse.html(DashboardLayout.render(page, dashboard), status: .internalServerError)
            }
        }
    }

    /// A path parameter, percent-decoded.
    static func pathParameter(_ context: TelltaleRequestContext, _ name: String) throws -> String {
        try context.pathParameter(name)
    }

    /// `scheme://host[:port]` as the browser reached us (the configured address when `Host` is missing).
    static func baseURL(_ request: Request, _ configuration: ServerConfiguration) -> String {
        let scheme = configuration.dashboard.secureCookies ? "https" : "http"
        let host = request.head.authority ?? "\(configuration.host):\(configuration.port)"
        return "\(scheme)://\(host)"
    }
}

/// A page's subject does not exist (unknown session, call …): rendered as a 404 page.
struct DashboardNotFound: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
