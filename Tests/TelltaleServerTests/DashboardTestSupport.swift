import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

/// Talking to the dashboard like a browser: form posts, the session cookie, page bodies.
enum DashboardBrowser {
    /// Posts a form (`application/x-www-form-urlencoded`).
    static func post(
        _ client: some TestClientProtocol, _ uri: String, _ fields: [(String, String)], cookie: String? = nil
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let cookie { headers[.cookie] = cookie }
        let body = fields.map { "\(URLQuery.encode($0.0))=\(URLQuery.encode($0.1))" }.joined(separator: "&")
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, cookie: String?) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .get, headers: headers)
    }

    /// The `name=value` pair of a `Set-Cookie` header, to send back as `Cookie`.
    static func cookiePair(_ response: TestResponse) throws -> String {
        let header = try #require(response.headers[.setCookie])
        return String(try #require(header.split(separator: ";").first))
    }

    /// Signs in with `key` and returns the cookie to send.
    static func signIn(_ client: some TestClientProtocol, key: String) async throws -> String {
        let response = try await post(client, "/login", [("key", key)])
        #expect(response.status == .seeOther)
        return try cookiePair(response)
    }

    /// A signed-in page's body, expecting `status`.
    static func page(
        _ client: some TestClientProtocol, _ uri: String, cookie: String, status: HTTPResponse.Status = .ok,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let response = try await get(client, uri, cookie: cookie)
        let body = String(buffer: response.body)
        #expect(response.status == status, "\(uri): \(body.prefix(2000))", sourceLocation: sourceLocation)
        #expect(response.headers[.contentSecurityPolicy] == DashboardResponse.contentSecurityPolicy, sourceLocation: sourceLocation)
        return body
    }
}

/// Traffic shaped so every dashboard view has something to show.
///
/// Over the 6 hours before `now`, in 72 five-minute buckets:
/// - `search`: claude-code 1.2.0 4 calls per bucket (3 errors in 288, ≈ 1%), cursor 0.9.1 2 calls per bucket
///   with 2 errors in every 5 calls (40%): the hot matrix cell. All cursor calls are in one session, so
///   errors are concentrated.
/// - `forecast`: claude-code 1 call per bucket, no errors.
/// - `export`: claude-code 2 calls per bucket, then nothing in the last hour: the dropped tool.
/// 20 claude-code sessions (`claude-00` … `claude-19`) and one cursor session (`cursor-1`).
enum DashboardScenario {
    static let claude = PeerInfo(name: "claude-code", version: "1.2.0")
    static let cursor = PeerInfo(name: "cursor", version: "0.9.1")
    static let server = PeerInfo(name: "weather", version: "0.3.0")

    static func calls(now: Date) -> [Call] {
        let start = now.addingTimeInterval(-6 * 3600)
        var calls: [Call] = []
        var claudeSearch = 0, cursorSearch = 0, claudeAny = 0
        func add(_ tool: String, _ client: PeerInfo, session: String, at: Date, failed: Bool) {
            calls.append(Call(
                startedAt: at, durationNs: failed ? 80_000_000 : 20_000_000, method: "tools/call", target: tool,
                outcome: failed ? .toolError : .ok, errorMessage: failed ? "upstream timeout" : nil,
                session: session, client: client, server: server, tags: ["env": "prod"]
            ))
        }
        for bucket in 0..<72 {
            let base = start.addingTimeInterval(Double(bucket) * 300 + 10)
            func claudeSession() -> String {
                claudeAny += 1
                return String(format: "claude-%02d", claudeAny % 20)
            }
            for call in 0..<4 {
                claudeSearch += 1
                add("search", claude, session: claudeSession(), at: base.addingTimeInterval(Double(call)), failed: claudeSearch % 100 == 1)
            }
            for call in 0..<2 {
                cursorSearch += 1
                add("search", cursor, session: "cursor-1", at: base.addingTimeInterval(10 + Double(call)), failed: cursorSearch % 5 < 2)
            }
            add("forecast", claude, session: claudeSession(), at: base.addingTimeInterval(20), failed: false)
            if bucket < 60 {
                for call in 0..<2 {
                    add("export", claude, session: claudeSession(), at: base.addingTimeInterval(30 + Double(call)), failed: false)
                }
            }
        }
        return calls
    }

    /// A fixture whose store holds the scenario.
    static func fixture(configuration: ServerConfiguration? = nil) async throws -> ServerFixture {
        var fixture = try await ServerFixture.make()
        if let configuration { fixture.configuration = configuration }
        try await fixture.store.insert(calls(now: Date()), project: fixture.project.id)
        return fixture
    }
}
