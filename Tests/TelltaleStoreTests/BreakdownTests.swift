import Foundation
import Testing
import TelltaleCore
import TelltaleStore

@Suite("SQLiteCallStore targets, clients, servers")
struct BreakdownTests {
    @Test("tools: per target, most called first, failures of every kind counted")
    func tools() async throws {
        let (temp, project) = try await loadedStore()
        defer { temp.cleanUp() }
        let tools = try await temp.store.targets(.tool, Traffic.query(project: project))
        #expect(tools.map(\.name) == ["get_forecast", "get_alerts", "nope", "read_file", "slow_report"])
        var forecast = tools[0]
        #expect(approx(forecast.latency, 20, 40, 40))
        (forecast.p50Ms, forecast.p95Ms, forecast.p99Ms) = (nil, nil, nil)
        #expect(forecast == TargetStats(
            name: "get_forecast", calls: 5, errors: 1, toolErrors: 1, errorRate: 0.2,
            p50Ms: nil, p95Ms: nil, p99Ms: nil, lastSeen: Traffic.at(seconds: 21)))
        let byName = Dictionary(uniqueKeysWithValues: tools.map { ($0.name, $0) })
        #expect(byName["get_alerts"]?.errors == 1)
        #expect(byName["get_alerts"]?.toolErrors == 0)
        #expect(approx(byName["get_alerts"]?.p99Ms, 300_000))
        #expect(byName["nope"]?.errorRate == 1)
        #expect(byName["slow_report"]?.errors == 1)
        #expect(byName["read_file"]?.errors == 0)
        #expect(byName["read_file"]?.lastSeen == Traffic.at(seconds: 31))
    }

    @Test("prompts and resources use their own method's targets")
    func promptsAndResources() async throws {
        let (temp, project) = try await loadedStore()
        defer { temp.cleanUp() }
        let prompts = try await temp.store.targets(.prompt, Traffic.query(project: project))
        #expect(prompts.map(\.name) == ["summarize"])
        #expect(prompts.map(\.calls) == [1])
        #expect(prompts.map(\.errors) == [0])
        #expect(prompts.map(\.lastSeen) == [Traffic.at(seconds: 8)])
        #expect(approx(prompts.first?.latency, 5, 5, 5))
        let resources = try await temp.store.targets(.resource, Traffic.query(project: project))
        #expect(resources.map(\.name) == ["file:///etc/hosts", "file:///tmp/a.txt"])
        #expect(approx(resources.first?.p50Ms, 4) && approx(resources.last?.p50Ms, 3))
    }

    @Test("target filters: server, client, client version, tool, tags, range")
    func filteredTools() async throws {
        let (temp, project) = try await loadedStore()
        defer { temp.cleanUp() }
        let store = temp.store
        #expect(try await store.targets(.tool, Traffic.query(project: project, server: "files")).map(\.name) == ["read_file"])
        #expect(try await store.targets(.tool, Traffic.query(project: project, client: "mcp")).map(\.name) == ["get_alerts", "get_forecast"])
        #expect(try await store.targets(.tool, Traffic.query(project: project, clientVersion: "1.2.0")).map(\.calls) == [4, 1, 1])
        #expect(try await store.targets(.tool, Traffic.query(project: project, tool: "nope")).map(\.name) == ["nope"])
        #expect(try await store.targets(.prompt, Traffic.query(project: project, tool: "nope")).isEmpty)
        #expect(try await store.targets(.tool, Traffic.query(project: project, tags: ["tenant": "acme"])).map(\.name) == ["get_alerts", "get_forecast"])
        let wide = CallQuery(project: project, from: Traffic.at(seconds: -10_000), to: Traffic.at(seconds: 3600), tool: "get_forecast")
        let forecast = try #require(try await store.targets(.tool, wide).first)
        #expect(forecast.calls == 6)
        // Durations 10 15 20 30 40 99: p50 rank 3 → 20, p95 and p99 rank 6 → 99.
        #expect(approx(forecast.latency, 20, 99, 99))
    }

    @Test("clients: per name and version, with sessions and first/last seen")
    func clients() async throws {
        let (temp, project) = try await loadedStore()
        defer { temp.cleanUp() }
        let clients = try await temp.store.clients(Traffic.query(project: project))
        #expect(clients.count == 3)
        #expect(approx(clients.first?.latency, 5, 500, 500))
        #expect(approx(clients.dropFirst().first?.latency, 15, 300_000, 300_000))
        #expect(approx(clients.last?.latency, 4, 6, 6))
        let counted = clients.map { peer in
            var peer = peer
            (peer.p50Ms, peer.p95Ms, peer.p99Ms) = (nil, nil, nil)
            return peer
        }
        #expect(counted == [
            PeerStats(name: "claude-code", version: "1.2.0", calls: 10, errors: 3, errorRate: 0.3, sessions: 1,
                      p50Ms: nil, p95Ms: nil, p99Ms: nil, firstSeen: Traffic.at(seconds: 0), lastSeen: Traffic.at(seconds: 9)),
            PeerStats(name: "mcp", version: "0.1.0", calls: 3, errors: 1, errorRate: 1.0 / 3.0, sessions: 1,
                      p50Ms: nil, p95Ms: nil, p99Ms: nil, firstSeen: Traffic.at(seconds: 20), lastSeen: Traffic.at(seconds: 23)),
            PeerStats(name: "cursor", version: "0.9.1", calls: 2, errors: 0, errorRate: 0, sessions: 1,
                      p50Ms: nil, p95Ms: nil, p99Ms: nil, firstSeen: Traffic.at(seconds: 30), lastSeen: Traffic.at(seconds: 31)),
        ])
        #expect(try await temp.store.clients(Traffic.query(project: project, server: "files")).map(\.name) == ["cursor"])
        #expect(try await temp.store.clients(Traffic.query(project: project, tool: "get_forecast")).map(\.calls) == [4, 1])
        #expect(try await temp.store.clients(Traffic.query(project: project, tags: ["env": "prod"])).map(\.name) == ["claude-code"])
    }

    @Test("clients of one name split by version")
    func clientVersions() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let project = try await temp.store.projects()[0].id
        let calls = (0..<6).map { (index: Int) -> Call in
            let failed = index == 5
            let outcome: CallOutcome = failed ? .error : .ok
            let errorCode: Int? = failed ? -32603 : nil
            let client = PeerInfo(name: "mcp", version: index < 2 ? "1.0" : "2.0")
            return Call(startedAt: Traffic.at(seconds: Double(index)), durationNs: Traffic.ms(Double(index + 1)),
                        method: "tools/call", target: "echo", outcome: outcome, errorCode: errorCode,
                        session: "s\(index % 3)", client: client)
        }
        try await temp.store.insert(calls, project: project)
        let clients = try await temp.store.clients(Traffic.query(project: project))
        #expect(clients.map(\.version) == ["2.0", "1.0"])
        #expect(clients.map(\.calls) == [4, 2])
        #expect(clients.map(\.errors) == [1, 0])
        // A session counts for the client it names last: every session ended on version 2.0.
        #expect(clients.map(\.sessions) == [3, 0])
        let v1 = try await temp.store.clients(Traffic.query(project: project, client: "mcp", clientVersion: "1.0"))
        #expect(v1.count == 1)
        #expect(approx(v1.first?.p99Ms, 2))
    }

    @Test("servers: per name and version")
    func servers() async throws {
        let (temp, project) = try await loadedStore()
        defer { temp.cleanUp() }
        let servers = try await temp.store.servers(Traffic.query(project: project))
        #expect(servers.map { "\($0.name) \($0.version ?? "-")" } == ["weather 0.3.1", "weather 0.3.2", "files 2.0.0"])
        #expect(servers.map(\.calls) == [10, 3, 2])
        #expect(servers.map(\.errors) == [3, 1, 0])
        // Rollups count requests and notifications: the progress notification at 23 s is the last seen,
        // the pollution record at 24 s only counts in its session.
        #expect(servers[1].lastSeen == Traffic.at(seconds: 23))
        let weather = try await temp.store.servers(Traffic.query(project: project, server: "weather"))
        #expect(weather.map(\.version) == ["0.3.1", "0.3.2"])
        let modern = try await temp.store.servers(Traffic.query(project: project, clientVersion: "0.1.0"))
        #expect(modern.map(\.version) == ["0.3.2"])
        #expect(try await temp.store.servers(Traffic.query(project: project, tool: "read_file")).map(\.name) == ["files"])
    }
}
