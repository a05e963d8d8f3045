import Foundation
import Hummingbird
import TelltaleStore

/// Sign-in, one-time sign-in links, sign-out and project switching for the dashboard.
struct SignInController: Sendable {
    let store: any CallStore
    let configuration: DashboardConfiguration

    /// What the sign-in page says after a used or expired one-time link.
    static let usedLinkMessage =
        "This sign-in link was already used or has expired. Sign in with a key, or restart `telltale serve` for a new link."

    /// Largest sign-in form body read, in bytes.
    static let formLimit = 16 * 1024

    var cookie: SessionCookie {
        SessionCookie(maxAge: Int(configuration.sessionTTL), secure: configuration.secureCookies)
    }

    func register(on router: Router<TelltaleRequestContext>) {
        router.get("/login") { request, _ in
            let next = DashboardResponse.safeNext(request.uri.queryParameters["next"].map(String.init))
            let expired = request.uri.queryParameters["link"] == "expired"
            return DashboardResponse.html(SignInPage.render(
                next: next, message: expired ? Self.usedLinkMessage : nil,
                signedOut: request.uri.queryParameters["signedOut"] != nil
            ))
        }
        router.post("/login") { request, _ in
            try await signIn(request)
        }
        router.get("/login/{token}") { request, context in
            let token = try context.parameters.require("token")
            let now = Date()
            guard let grant = try await store.redeemSignInToken(token, now: now) else {
                return DashboardResponse.redirect("/login?link=expired")
            }
            return try await startSession(grant, next: "/", now: now)
        }
        router.post("/logout") { request, _ in
            if let token = SessionCookie.token(in: request) {
                try await store.deleteDashboardSession(token: token)
            }
            return DashboardResponse.redirect("/login?signedOut=1", setCookie: cookie.clear())
        }
        router.post("/project") { request, _ in
            try await switchProject(request)
        }
    }

    private func form(_ request: Request) async throws -> [(String, String)] {
        let body = try await request.body.collect(upTo: Self.formLimit)
        return URLQuery.decodeForm(String(buffer: body))
    }

    /// Signs in with a posted key. Refusals re-render the form with a message, as a 200 page (a 4xx document
    /// would be logged as a console error by browsers, and the form is the answer either way).
    private func signIn(_ request: Request) async throws -> Response {
        let fields = try await form(request)
        let next = DashboardResponse.safeNext(fields.last { $0.0 == "next" }?.1)
        guard DashboardAuth.sameOrigin(request) else {
            return DashboardResponse.html(SignInPage.render(next: next, message: "Sign-in must come from this site."))
        }
        let key = (fields.last { $0.0 == "key" }?.1 ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else {
            return DashboardResponse.html(SignInPage.render(next: next, message: "Enter an API key."))
        }
        guard let authenticated = try await store.authenticate(key: key) else {
            return DashboardResponse.html(
                SignInPage.render(next: next, message: "That key is not valid: it is unknown or was revoked.")
            )
        }
        guard authenticated.scope != .ingest else {
            return DashboardResponse.html(
                SignInPage.render(next: next, message: "That is an ingest key: it can only send data. Sign in with a read or admin key (telltale keys create --scope read).")
            )
        }
        let grant = DashboardGrant(keyID: authenticated.keyID, project: authenticated.project.id, scope: authenticated.scope)
        return try await startSession(grant, next: next, now: Date())
    }

    private func startSession(_ grant: DashboardGrant, next: String, now: Date) async throws -> Response {
        let token = try await store.createDashboardSession(grant, expiresAt: now.addingTimeInterval(configuration.sessionTTL))
        return DashboardResponse.redirect(next, setCookie: cookie.set(token))
    }

    private func switchProject(_ request: Request) async throws -> Response {
        let auth = DashboardAuth(store: store)
        guard let (token, session) = try await auth.session(request, now: Date()) else {
            return DashboardAuth.signInRedirect(request)
        }
        let fields = try await form(request)
        let next = DashboardResponse.safeNext(fields.last { $0.0 == "next" }?.1)
        guard DashboardAuth.sameOrigin(request) else {
            return DashboardResponse.html(DashboardLayout.bare(title: "Forbidden", "<h1>Forbidden</h1><p>Project switches must come from this site.</p>"), status: .forbidden)
        }
        guard session.grant.scope == .admin else {
            return DashboardResponse.html(
                DashboardLayout.bare(title: "Forbidden", "<h1>Forbidden</h1><p>A read key is bound to its project. Sign in with an admin key to switch projects. <a href=\"/\">Back</a></p>"),
                status: .forbidden
            )
        }
        guard let id = fields.last(where: { $0.0 == "project" }).flatMap({ ProjectID($0.1) }),
              try await store.projects().contains(where: { $0.id == id })
        else {
            return DashboardResponse.html(
                DashboardLayout.bare(title: "Unknown project", "<h1>Unknown project</h1><p>No such project. <a href=\"/\">Back</a></p>"),
                status: .badRequest
            )
        }
        try await store.setDashboardProject(token: token, project: id)
        return DashboardResponse.redirect(next)
    }
}
