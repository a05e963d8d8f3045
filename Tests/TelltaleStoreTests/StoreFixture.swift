import Foundation
import TelltaleCore
import TelltaleStore

/// A store on a fresh temporary directory, removed by ``cleanUp()``.
struct TempStore {
    let directory: URL
    let store: SQLiteCallStore

    init(durability: SQLiteCallStore.Durability = .full) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("telltale-store-tests-\(UUID().uuidString)")
        store = try SQLiteCallStore(directory: directory, durability: durability)
    }

    /// Reopens the same database file (a new pool, as after a restart).
    func reopen() throws -> SQLiteCallStore {
        try SQLiteCallStore(directory: directory)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Realistic traffic of three sessions, with every outcome, notifications and stdout pollution.
enum Traffic {
    /// 2026-09-21T12:53:20Z, in whole microseconds.
    static let t0Micros: Int64 = 1_790_000_000_000_000

    static func at(seconds: Double) -> Date {
        Date(timeIntervalSince1970: Double(t0Micros + Int64(seconds * 1_000_000)) / 1_000_000)
    }

    static func ms(_ value: Double) -> Int64 { Int64(value * 1_000_000) }

    /// The range that holds every call of ``calls`` except ``old``.
    static func query(project: ProjectID, server: String? = nil, client: String? = nil, clientVersion: String? = nil,
                      tool: String? = nil, tags: [String: String] = [:]) -> CallQuery {
        CallQuery(project: project, from: at(seconds: -3600), to: at(seconds: 3600),
                  server: server, client: client, clientVersion: clientVersion, tool: tool, tags: tags)
    }

    static let claude = PeerInfo(name: "claude-code", version: "1.2.0")
    static let mcpPython = PeerInfo(name: "mcp", version: "0.1.0")
    static let cursor = PeerInfo(name: "cursor", version: "0.9.1")
    static let weather = PeerInfo(name: "weather", version: "0.3.1")
    static let weatherNew = PeerInfo(name: "weather", version: "0.3.2")
    static let files = PeerInfo(name: "files", version: "2.0.0")

    /// A legacy (initialize) stdio session: 10 requests, 1 notification, 3 polluted lines, tag env=prod.
    static let legacy: [Call] = {
        func call(_ second: Double, _ method: String, target: String? = nil, outcome: CallOutcome = .ok,
                  kind: CallKind = .request, ms duration: Double = 0, errorCode: Int? = nil, errorMessage: String? = nil,
                  requestId: String? = nil, request: JSONValue? = nil, response: JSONValue? = nil,
                  pollution: Int? = nil) -> Call {
            Call(
                id: "legacy-\(Int(second * 10))", startedAt: at(seconds: second), durationNs: ms(duration), kind: kind,
                method: method, target: target, outcome: outcome, errorCode: errorCode, errorMessage: errorMessage,
                requestId: requestId, session: "s-legacy", client: claude, server: weather,
                protocolVersion: "2025-06-18", transport: .stdio, tags: ["env": "prod"],
                request: request, response: response, requestBytes: request == nil ? 0 : 120,
                responseBytes: response == nil ? 0 : 300, pollutionLines: pollution)
        }
        return [
            call(0, "initialize", ms: 2, requestId: "0",
                 request: .object(["protocolVersion": .string("2025-06-18"),
                                   "clientInfo": .object(["name": .string("claude-code"), "version": .string("1.2.0")])]),
                 response: .object(["serverInfo": .object(["name": .string("weather"), "version": .string("0.3.1")])])),
            call(0.5, "notifications/initialized", kind: .notification),
            call(1, "tools/list", ms: 1, requestId: "1"),
            call(2, "tools/call", target: "get_forecast", ms: 10, requestId: "2",
                 request: .object(["name": .string("get_forecast"), "arguments": .object(["city": .string("Paris"), "days": .number(3)])]),
                 response: .object(["content": .array([.object(["type": .string("text"), "text": .string("Sunny, 21°C \"mild\"\n")])]),
                                    "isError": .bool(false)])),
            call(3, "tools/call", target: "get_forecast", ms: 20, requestId: "3"),
            call(4, "tools/call", target: "get_forecast", ms: 30, requestId: "4"),
            call(5, "tools/call", target: "get_forecast", outcome: .toolError, ms: 40,
                 errorMessage: "city not found: Atlantis", requestId: "5"),
            call(6, "tools/call", target: "nope", outcome: .error, ms: 1, errorCode: -32602,
                 errorMessage: "Unknown tool: nope", requestId: "6"),
            call(7, "tools/call", target: "slow_report", outcome: .cancelled, ms: 500, requestId: "7"),
            call(7.5, "", kind: .pollution, pollution: 3),
            call(8, "prompts/get", target: "summarize", ms: 5, requestId: "8"),
            call(9, "resources/read", target: "file:///tmp/a.txt", ms: 3, requestId: "9"),
        ]
    }()

    /// A 2026-07-28 HTTP session: 3 requests (one never answered), 1 progress notification, 2 polluted lines.
    static let modern: [Call] = [
        Call(id: "modern-1", startedAt: at(seconds: 20), durationNs: ms(1), method: "server/discover",
             session: "s-modern", client: mcpPython, server: weatherNew, protocolVersion: "2026-07-28", transport: .http,
             clientAddress: "127.0.0.1",
             trace: TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "vendor=1"),
             tags: ["env": "staging", "tenant": "acme"]),
        Call(id: "modern-2", startedAt: at(seconds: 21), durationNs: ms(15), method: "tools/call", target: "get_forecast",
             session: "s-modern", client: mcpPython, server: weatherNew, transport: .http, tags: ["env": "staging", "tenant": "acme"]),
        Call(id: "modern-3", startedAt: at(seconds: 22), durationNs: ms(300_000), method: "tools/call", target: "get_alerts",
             outcome: .noResponse, errorMessage: "timed out after 300 s",
             session: "s-modern", client: mcpPython, server: weatherNew, transport: .http, tags: ["env": "staging", "tenant": "acme"]),
        Call(id: "modern-4", startedAt: at(seconds: 23), kind: .notification, direction: .toClient, method: "notifications/progress",
             session: "s-modern", client: mcpPython, server: weatherNew, transport: .http, tags: ["env": "staging", "tenant": "acme"]),
        Call(id: "modern-5", startedAt: at(seconds: 24), kind: .pollution, method: "", session: "s-modern",
             server: weatherNew, transport: .http, tags: ["env": "staging", "tenant": "acme"], pollutionLines: 2),
    ]

    /// A third session on another server: 2 requests, no tags.
    static let filesSession: [Call] = [
        Call(id: "files-1", startedAt: at(seconds: 30), durationNs: ms(4), method: "resources/read", target: "file:///etc/hosts",
             session: "s-files", client: cursor, server: files),
        Call(id: "files-2", startedAt: at(seconds: 31), durationNs: ms(6), method: "tools/call", target: "read_file",
             session: "s-files", client: cursor, server: files),
    ]

    /// A call two hours before t0: outside ``query(project:server:client:clientVersion:tool:tags:)``.
    static let old = Call(id: "old-1", startedAt: at(seconds: -7200), durationNs: ms(99), method: "tools/call",
                          target: "get_forecast", session: "s-legacy", client: claude, server: weather, tags: ["env": "prod"])

    static var calls: [Call] { legacy + modern + filesSession + [old] }
}

/// Whether a percentile from the rollups' sketches is within their 1% relative error of the exact value.
func approx(_ value: Double?, _ exact: Double) -> Bool {
    guard let value else { return false }
    return abs(value - exact) <= exact * 0.01 + 1e-9
}

/// ``approx(_:_:)`` for p50, p95, p99 at once.
func approx(_ latency: LatencyStats?, _ p50: Double, _ p95: Double, _ p99: Double) -> Bool {
    guard let latency else { return false }
    return approx(latency.p50Ms, p50) && approx(latency.p95Ms, p95) && approx(latency.p99Ms, p99)
}

extension TargetStats {
    var latency: LatencyStats { LatencyStats(p50Ms: p50Ms, p95Ms: p95Ms, p99Ms: p99Ms) }
}

extension PeerStats {
    var latency: LatencyStats { LatencyStats(p50Ms: p50Ms, p95Ms: p95Ms, p99Ms: p99Ms) }
}
