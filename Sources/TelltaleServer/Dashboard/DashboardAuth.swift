import Foundation
import Hummingbird
import TelltaleStore

/// Finds the signed-in dashboard session of a request, and the projects it may see.
struct DashboardAuth: Sendable {
    let store: any CallStore

    /// The live session behind the request's cookie, with its token; nil when not signed in.
    func session(_ request: Request, now: Date) async throws -> (token: String, session: DashboardSession)? {
        guard let token = SessionCookie.token(in: request),
              let session = try await store.dashboardSession(token: token, now: now)
        else { return nil }
        return (token, session)
    }

    /// The projects a session may switch between: every project for an admin grant, else its own.
    func projects(for session: DashboardSession) async throws -> [Project] {
        guard session.grant.scope == .admin else { return [session.project] }
        return try await store.projects()
    }

    /// The sign-in redirect for a request that is not signed in, keeping where it was going.
    static func signInRedirect(_ request: Request) -> Response {
        var next = request.uri.path
        if let query = request.uri.query, !query.isEmpty { next += "?" + query }
        let target = DashboardResponse.safeNext(next)
        return DashboardResponse.redirect(target == "/" ? "/login" : URLQuery.build("/login", [("next", target)]))
    }

    /// The key the API sees for a dashboard session (a sign-in-link session has no key: id 0, never a stored id).
    static func key(for session: DashboardSession) -> AuthenticatedKey {
        AuthenticatedKey(keyID: session.grant.keyID ?? 0, project: session.project, scope: session.grant.scope)
    }

    /// Whether a form post comes from this site: no `Origin`, or one whose host is the request's host.
    static func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }
}
