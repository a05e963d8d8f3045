import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

@Suite struct QueryTests {
    /// A fixture whose store holds the sample calls.
    static func seeded() async throws -> ServerFixture {
        let fixture = try await ServerFixture.make()
        try await fixture.store.insert(Fixtures.sampleCalls(), project: fixture.project.id)
        return fixture
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, key: String?) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: ServerFixture.headers(key: key, contentType: nil))
    }

    struct Items<T: Decodable>: Decodable {
        var items: [T]
        var from: Date
        var to: Date
        var session: String?
    }

    /// An empty range long before the data: 2020-01-01 to 2020-01-02.
    static let emptyRange = "from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z"

    @Test func summaryCountsOutcomesAndPercentiles() async throws {
        let fixture = try await Self.seeded()
        try await fixture.withClient { client in
            let response = try await Self.get(client, "/api/v1/summary", key: fixture.readKey)
            #expect(response.status == .ok)
            let stats = try Fixtures.decode(SummaryStats.self, response.body)
            #expect(stats.calls == 5)
            #expect(stats.notifications == 1)
            #expect(stats.outcomes == ["ok": 3, "toolError": 1, "error": 1, "cancelled": 0, "noResponse": 0])
            #expect(abs(stats.errorRate - 0.4) < 1e-9)
            #expect(stats.sessions == 2)
            #expect(stats.latency.p50Ms.map { abs($0 - 10) <= 0.1 } == true)
            #expect(stats.latency.p99Ms.map { abs($0 - 50) <= 0.5 } == true)
            let object = try Fixtures.object(response.body)
            #expect(object["from"] is String)
            #expect(object["to"] is String)

            let filtered = try await Self.get(client, "/api/v1/summary?client=cursor", key: fixture.readKey)
            #expect(try Fixtures.decode(SummaryStats.self, filtered.body).calls == 3)
            let empty = try await Self.get(client, "/api/v1/summary?\(Self.emptyRange)", key: fixture.readKey)
            let none = try Fixtures.decode(SummaryStats.self, empty.body)
            #expect(none.calls == 0)
            #expect(none.errorRate == 0)
            #expect(none.latency.p50Ms == nil)
        }
    }

    @Test func targetsPerKindWithFilters() async throws {
        let fixture = try await Self.seeded()
        try await fixture.withClient { client in
            let tools = try Fixtures.decode(
                Items<TargetStats>.self, try await Self.get(client, "/api/v1/tools", key: fixture.readKey).body
            ).items
            #expect(tools.map(\.name).sorted() == ["forecast", "search"])
            let search = try #require(tools.first { $0.name == "search" })
            #expect(search.calls == 2)
            #expect(search.errors == 1)
            #expect(search.toolErrors == 1)
            #expect(abs(search.errorRate - 0.5) < 1e-9)
            #expect(search.lastSeen.map { abs($0.timeIntervalSince(Fixtures.base.addingTimeInterval(1))) < 0.001 } == true)

            let prompts = try Fixtures.decode(
                Items<TargetStats>.self, try await Self.get(client, "/api/v1/prompts", key: fixture.readKey).body
            ).items
            #expect(prompts.map(\.name) == ["greet"])
            let resources = try Fixtures.decode(
                Items<TargetStats>.self, try await Self.get(client, "/api/v1/resources", key: fixture.readKey).body
            ).items
            #expect(resources.map(\.name) == ["file:///a.txt"])

            let byTool = try Fixtures.decode(
                Items<TargetStats>.self,
                try await Self.get(client, "/api/v1/tools?tool=forecast", key: fixture.readKey).body
            ).items
            #expect(byTool.map(\.name) == ["forecast"])
            let byTag = try Fixtures.decode(
                Items<TargetStats>.self,
                try await Self.get(client, "/api/v1/tools?tag=env:prod", key: fixture.readKey).body
            ).items
            #expect(byTag.map(\.name) == ["search"])
            let emptyTagIgnored = try Fixtures.decode(
                Items<TargetStats>.self,
                try await Self.get(client, "/api/v1/tools?tag=&server=", key: fixture.readKey).body
            ).items
            #expect(emptyTagIgnored.count == 2)
            let byTagEquals = try Fixtures.decode(
                Items<TargetStats>.self,
                try await Self.get(client, "/api/v1/tools?tag=env%3Ddev&server=weather", key: fixture.readKey).body
            ).items
            #expect(byTagEquals.map(\.name) == ["forecast"])
            for path in ["tools", "prompts", "resources"] {
                let empty = try Fixtures.decode(
                    Items<TargetStats>.self,
                    try await Self.get(client, "/api/v1/\(path)?\(Self.emptyRange)", key: fixture.readKey).body
                )
                #expect(empty.items.isEmpty)
                #expect(empty.from == Date(timeIntervalSince1970: 1_577_836_800))
                #expect(empty.to == Date(timeIntervalSince1970: 1_577_923_200))
            }
        }
    }

    @Test func clientsAndServers() async throws {
        let fixture = try await Self.seeded()
        try await fixture.withClient { client in
            let clients = try Fixtures.decode(
                Items<PeerStats>.self, try await Self.get(client, "/api/v1/clients", key: fixture.readKey).body
            ).items
            #expect(Set(clients.map { "\($0.name)@\($0.version ?? "")" }) == ["claude-code@1.2.0", "cursor@0.9.1"])
            #expect(clients.first { $0.name == "cursor" }?.calls == 3)
            #expect(clients.first { $0.name == "claude-code" }?.sessions == 1)

            let versioned = try Fixtures.decode(
                Items<PeerStats>.self,
                try await Self.get(client, "/api/v1/clients?clientVersion=1.2.0", key: fixture.readKey).body
            ).items
            #expect(versioned.map(\.name) == ["claude-code"])

            let servers = try Fixtures.decode(
                Items<PeerStats>.self, try await Self.get(client, "/api/v1/servers", key: fixture.readKey).body
            ).items
            #expect(servers.count == 1)
            #expect(servers.first?.name == "weather")
            #expect(servers.first?.version == "0.3.0")
            #expect(servers.first?.calls == 5)
            #expect(servers.first?.errors == 2)

            let other = try Fixtures.decode(
                Items<PeerStats>.self,
                try await Self.get(client, "/api/v1/servers?server=other", key: fixture.readKey).body
            ).items
            #expect(other.isEmpty)
            for path in ["clients", "servers"] {
                let empty = try Fixtures.decode(
                    Items<PeerStats>.self,
                    try await Self.get(client, "/api/v1/\(path)?\(Self.emptyRange)", key: fixture.readKey).body
                )
                #expect(empty.items.isEmpty)
            }
        }
    }

    @Test func sessionsAndTheirCalls() async throws {
        let fixture = try await Self.seeded()
        try await fixture.withClient { client in
            let sessions = try Fixtures.decode(
                Items<SessionStats>.self, try await Self.get(client, "/api/v1/sessions", key: fixture.readKey).body
            ).items
            #expect(sessions.map(\.id).sorted() == ["s1", "s2"])
            let s1 = try #require(sessions.first { $0.id == "s1" })
            #expect(s1.calls == 2)
            #expect(s1.errors == 1)
            #expect(s1.notifications == 1)
            #expect(s1.stdoutPollution == 3)
            #expect(s1.client == Fixtures.claude)

            let limited = try Fixtures.decode(
                Items<SessionStats>.self, try await Self.get(client, "/api/v1/sessions?limit=1", key: fixture.readKey).body
            ).items
            #expect(limited.count == 1)
            let bad = try await Self.get(client, "/api/v1/sessions?limit=5000", key: fixture.readKey)
            #expect(bad.status == .badRequest)
            #expect((try Fixtures.object(bad.body)["error"] as? String)?.contains("'limit'") == true)

            let calls = try Fixtures.decode(
                Items<Call>.self, try await Self.get(client, "/api/v1/sessions/s2/calls", key: fixture.readKey).body
            )
            #expect(calls.session == "s2")
            #expect(calls.items.map(\.id) == ["c3", "c4", "c5"])
            #expect(calls.items.first == Fixtures.sampleCalls()[2])

            let withPayload = try Fixtures.decode(
                Items<Call>.self, try await Self.get(client, "/api/v1/sessions/s1/calls", key: fixture.readKey).body
            )
            #expect(withPayload.items.first?.request == .object(["name": .string("search")]))

            let empty = try Fixtures.decode(
                Items<Call>.self,
                try await Self.get(client, "/api/v1/sessions/s1/calls?\(Self.emptyRange)", key: fixture.readKey).body
            )
            #expect(empty.items.isEmpty)
            let emptySessions = try Fixtures.decode(
                Items<SessionStats>.self,
                try await Self.get(client, "/api/v1/sessions?\(Self.emptyRange)", key: fixture.readKey).body
            )
            #expect(emptySessions.items.isEmpty)
        }
    }

    @Test func oneCallByIdAnd404() async throws {
        let fixture = try await Self.seeded()
        try await fixture.withClient { client in
            let found = try await Self.get(client, "/api/v1/calls/c3", key: fixture.readKey)
            #expect(found.status == .ok)
            #expect(try Fixtures.decode(Call.self, found.body) == Fixtures.sampleCalls()[2])
            let text = String(buffer: found.body)
            #expect(text.contains(#""startedAt":"\#(RFC3339.string(Fixtures.base.addingTimeInterval(2)))""#))

            let missing = try await Self.get(client, "/api/v1/calls/nope", key: fixture.adminKey)
            #expect(missing.status == .notFound)
            #expect(try Fixtures.object(missing.body)["error"] as? String == "no call with id 'nope'")
        }
    }

    @Test func authOnQueries() async throws {
        let fixture = try await Self.seeded()
        try await fixture.withClient { client in
            let paths = [
                "/api/v1/summary", "/api/v1/tools", "/api/v1/prompts", "/api/v1/resources", "/api/v1/clients",
                "/api/v1/servers", "/api/v1/sessions", "/api/v1/sessions/s1/calls", "/api/v1/calls/c1",
            ]
            for path in paths {
                let statuses = [
                    try await Self.get(client, path, key: nil).status,
                    try await Self.get(client, path, key: "tt_read_bogus").status,
                    try await Self.get(client, path, key: fixture.ingestKey).status,
                    try await Self.get(client, path, key: fixture.readKey).status,
                    try await Self.get(client, path, key: fixture.adminKey).status,
                ]
                #expect(statuses == [.unauthorized, .unauthorized, .forbidden, .ok, .ok], "\(path)")
            }
        }
    }

    @Test(arguments: [
        ("from=yesterday", "'from' is not a date"),
        ("to=2026-13-01T00:00:00Z", "'to' is not a date"),
        ("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "'to' must be after 'from'"),
        ("from=1700000000000&to=1700000000000", "'to' must be after 'from'"),
        ("tag=novalue", "'tag' must be key:value"),
    ])
    func badParametersAre400(query: String, message: String) async throws {
        let fixture = try await Self.seeded()
        try await fixture.withClient { client in
            let response = try await Self.get(client, "/api/v1/tools?\(query)", key: fixture.readKey)
            #expect(response.status == .badRequest)
            let error = try #require(try Fixtures.object(response.body)["error"] as? String)
            #expect(error.contains(message), "\(error)")
        }
    }

    @Test func epochMillisecondsAndOffsetsAreAccepted() async throws {
        let fixture = try await Self.seeded()
        let fromMs = Int64((Fixtures.base.timeIntervalSince1970 + 1.5) * 1000)
        try await fixture.withClient { client in
            // From 1.5 s after base: c3 (2 s), c4, c5 remain, i.e. 3 requests.
            let response = try await Self.get(client, "/api/v1/summary?from=\(fromMs)", key: fixture.readKey)
            #expect(response.status == .ok)
            #expect(try Fixtures.decode(SummaryStats.self, response.body).calls == 3)
            let offset = try await Self.get(
                client, "/api/v1/summary?from=2020-01-01T02:00:00%2B02:00&to=2020-01-01T01:00:00Z", key: fixture.readKey
            )
            #expect(offset.status == .ok)
            let object = try Fixtures.object(offset.body)
            #expect(object["from"] as? String == "2020-01-01T00:00:00.000000Z")
        }
    }

    @Test func healthAndUnknownRoutes() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.withClient { client in
            let health = try await Self.get(client, "/healthz", key: nil)
            #expect(health.status == .ok)
            #expect(try Fixtures.object(health.body)["status"] as? String == "ok")
            let wrongMethod = try await client.execute(uri: "/api/v1/calls/c1", method: .delete)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "GET")
            let ingestGet = try await Self.get(client, "/api/v1/ingest", key: fixture.ingestKey)
            #expect(ingestGet.status == .methodNotAllowed)
            #expect(ingestGet.headers[.allow] == "POST")
            let unknown = try await Self.get(client, "/api/v1/nothing-here", key: fixture.readKey)
            #expect(unknown.status == .notFound)
            #expect((try Fixtures.object(unknown.body)["error"] as? String)?.contains("no route") == true)
        }
    }
}
