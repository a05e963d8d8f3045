import Foundation
import HummingbirdTesting
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

/// Helpers for the analytics API tests: calls at known times with known outcomes, and GET requests.
enum AnalyticsTestData {
    /// An hour boundary two days ago: every test range starts from it, so buckets line up exactly.
    static let t0: Date = {
        let twoDaysAgo = Date().timeIntervalSince1970 - 2 * 86_400
        return Date(timeIntervalSince1970: (twoDaysAgo / 3600).rounded(.down) * 3600)
    }()

    static let claude12 = PeerInfo(name: "claude-code", version: "1.2.0")
    static let claude13 = PeerInfo(name: "claude-code", version: "1.3.0")
    static let cursor091 = PeerInfo(name: "cursor", version: "0.9.1")
    static let cursor100 = PeerInfo(name: "cursor", version: "1.0.0")
    static let server = PeerInfo(name: "weather", version: "0.3.0")

    /// `t0` plus `seconds`.
    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    /// Epoch milliseconds of `t0 + seconds`, for `from`/`to`.
    static func ms(_ seconds: Double) -> String { String(Int64((t0.timeIntervalSince1970 + seconds) * 1000)) }

    /// `from=…&to=…` for `[t0 + from, t0 + to)`.
    static func range(_ from: Double, _ to: Double) -> String { "from=\(ms(from))&to=\(ms(to))" }

    /// `count` tool calls spread over `[start, start + 50 s)`, the first `errors` of them failed.
    static func toolCalls(
        _ prefix: String, tool: String, count: Int, errors: Int = 0, start: Double, client: PeerInfo? = claude12,
        session: String? = nil, method: String = "tools/call", tags: [String: String] = [:]
    ) -> [Call] {
        (0..<count).map { index in
            Call(
                id: "\(prefix)-\(index)", startedAt: at(start + 50 * Double(index) / Double(max(count, 1))),
                durationNs: 1_000_000 * Int64(1 + index % 20), method: method, target: tool,
                outcome: index < errors ? (index % 2 == 0 ? .error : .toolError) : .ok,
                session: session ?? "\(prefix)-session", client: client, server: server, tags: tags
            )
        }
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, key: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: ServerFixture.headers(key: key, contentType: nil))
    }

    /// GET that must answer 200, decoded as `T`.
    static func report<T: Decodable>(
        _ type: T.Type, _ client: some TestClientProtocol, _ uri: String, key: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> T {
        let response = try await get(client, uri, key: key)
        #expect(response.status == .ok, "\(uri): \(String(buffer: response.body))", sourceLocation: sourceLocation)
        return try Fixtures.decode(T.self, response.body)
    }

    /// GET that must answer 400; returns the error message.
    static func badRequest(
        _ client: some TestClientProtocol, _ uri: String, key: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let response = try await get(client, uri, key: key)
        #expect(response.status == .badRequest, "\(uri)", sourceLocation: sourceLocation)
        return try Fixtures.object(response.body)["error"] as? String ?? ""
    }

    /// A fixture whose store holds `calls`.
    static func fixture(_ calls: [Call]) async throws -> ServerFixture {
        let fixture = try await ServerFixture.make()
        try await fixture.store.insert(calls, project: fixture.project.id)
        return fixture
    }
}
