import Foundation
import TelltaleCore

/// Realistic, deterministic traffic for a store of any size: a few MCP servers with their own tools,
/// prompts and resources, clients with releases over time, production and staging, sessions of 20–80 calls.
///
/// Built to give every dashboard view something to find: lognormal latencies per tool, ~2% failures, one
/// client release (`claude-code 2.1.0`) failing 40% of `create_issue` calls, and `run_query` going silent
/// for the last three hours.
struct StoreTraffic {
    struct Target {
        var method: String
        var name: String
        /// Median latency in milliseconds, and the spread of its logarithm.
        var medianMs: Double
        var sigma: Double
        /// Relative call frequency within the server.
        var weight: Int
    }

    struct Server {
        var peer: PeerInfo
        var targets: [Target]
        var weight: Int
    }

    struct Client {
        var name: String
        /// Versions and the fraction of the range (0…1) at which each is released.
        var releases: [(version: String, at: Double)]
        var weight: Int
        var transport: CallTransport
    }

    static let servers: [Server] = [
        Server(peer: PeerInfo(name: "github", version: "1.8.2"), targets: [
            Target(method: "tools/call", name: "search_issues", medianMs: 180, sigma: 0.5, weight: 30),
            Target(method: "tools/call", name: "create_issue", medianMs: 420, sigma: 0.4, weight: 8),
            Target(method: "tools/call", name: "get_pull_request", medianMs: 150, sigma: 0.5, weight: 20),
            Target(method: "tools/call", name: "list_commits", medianMs: 220, sigma: 0.6, weight: 12),
            Target(method: "tools/call", name: "merge_pull_request", medianMs: 900, sigma: 0.5, weight: 3),
            Target(method: "prompts/get", name: "review_pr", medianMs: 4, sigma: 0.3, weight: 3),
            Target(method: "resources/read", name: "repo://telltale/README.md", medianMs: 60, sigma: 0.4, weight: 4),
        ], weight: 35),
        Server(peer: PeerInfo(name: "postgres", version: "0.9.1"), targets: [
            Target(method: "tools/call", name: "run_query", medianMs: 35, sigma: 1.1, weight: 40),
            Target(method: "tools/call", name: "list_tables", medianMs: 8, sigma: 0.4, weight: 10),
            Target(method: "tools/call", name: "describe_table", medianMs: 12, sigma: 0.4, weight: 15),
            Target(method: "resources/read", name: "postgres://schema", medianMs: 20, sigma: 0.3, weight: 5),
        ], weight: 25),
        Server(peer: PeerInfo(name: "filesystem", version: "3.0.0"), targets: [
            Target(method: "tools/call", name: "read_file", medianMs: 2, sigma: 0.7, weight: 40),
            Target(method: "tools/call", name: "write_file", medianMs: 4, sigma: 0.6, weight: 15),
            Target(method: "tools/call", name: "list_directory", medianMs: 1.5, sigma: 0.5, weight: 20),
            Target(method: "tools/call", name: "search_files", medianMs: 90, sigma: 0.9, weight: 10),
            Target(method: "resources/read", name: "file:///workspace/README.md", medianMs: 1, sigma: 0.3, weight: 3),
        ], weight: 30),
        Server(peer: PeerInfo(name: "weather", version: "2.3.0"), targets: [
            Target(method: "tools/call", name: "get_forecast", medianMs: 250, sigma: 0.5, weight: 30),
            Target(method: "tools/call", name: "get_alerts", medianMs: 300, sigma: 0.6, weight: 10),
            Target(method: "prompts/get", name: "weekly_summary", medianMs: 3, sigma: 0.3, weight: 2),
            Target(method: "resources/read", name: "weather://stations", medianMs: 40, sigma: 0.4, weight: 2),
        ], weight: 10),
    ]

    static let clients: [Client] = [
        Client(name: "claude-code", releases: [("2.0.14", 0), ("2.0.15", 0.3), ("2.1.0", 0.72)], weight: 40, transport: .stdio),
        Client(name: "cursor", releases: [("1.6.2", 0), ("1.7.0", 0.5)], weight: 25, transport: .stdio),
        Client(name: "codex", releases: [("0.40.0", 0), ("0.41.0", 0.6)], weight: 12, transport: .stdio),
        Client(name: "windsurf", releases: [("1.12.0", 0), ("1.12.1", 0.4)], weight: 8, transport: .http),
        Client(name: "continue", releases: [("1.2.0", 0), ("1.3.0", 0.2), ("1.3.1", 0.8)], weight: 8, transport: .stdio),
        Client(name: "mcp-inspector", releases: [("0.16.0", 0), ("0.17.0", 0.5)], weight: 7, transport: .http),
    ]

    /// The client release that breaks one tool, and that tool.
    static let badRelease = (client: "claude-code", version: "2.1.0", tool: "create_issue", errorRate: 0.4)
    /// The tool that stops being called for the last three hours.
    static let silentTool = (name: "run_query", hours: 3.0)

    let start: Int64
    let end: Int64
    private var rng: SplitMix64
    private var sessionCount = 0
    /// Active sessions by their next call time.
    private var active: [ActiveSession] = []
    private var nextSessionAt: Double
    /// Mean seconds between session starts (so that `calls` calls fit the range).
    private let sessionGap: Double

    struct ActiveSession {
        var id: String
        var next: Double
        var remaining: Int
        var step: Int
        var server: Server
        var client: PeerInfo
        var transport: CallTransport
        var tags: [String: String]
    }

    /// Traffic of about `calls` records over `[start, end)` (microseconds).
    init(calls: Int, start: Int64, end: Int64, seed: UInt64 = 0x5EED_7E11) {
        self.start = start
        self.end = end
        rng = SplitMix64(seed: seed)
        let seconds = Double(end - start) / 1e6
        // Sessions average 50 requests plus 3 protocol records and a few notifications.
        sessionGap = seconds / (Double(calls) / 55)
        nextSessionAt = Double(start) / 1e6
    }

    private mutating func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }

    private mutating func normal() -> Double {
        let u1 = max(uniform(), 1e-12), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    private mutating func pick<T>(_ items: [T], weight: (T) -> Int) -> T {
        let total = items.reduce(0) { $0 + weight($1) }
        var roll = Int(rng.next() % UInt64(total))
        for item in items {
            roll -= weight(item)
            if roll < 0 { return item }
        }
        return items[items.count - 1]
    }

    /// Busier in working hours (UTC), quieter at night: a factor between 0.35 and 1.65.
    private func load(at seconds: Double) -> Double {
        let hour = seconds.truncatingRemainder(dividingBy: 86_400) / 3600
        return 1 + 0.65 * sin((hour - 9) / 24 * 2 * .pi)
    }

    /// The next `count` records in time order (fewer, then none, at the end of the range).
    mutating func next(_ count: Int) -> [Call] {
        var out: [Call] = []
        out.reserveCapacity(count + 2)
        let endSeconds = Double(end) / 1e6
        while out.count < count {
            let earliest = active.first?.next
            if nextSessionAt < endSeconds, earliest == nil || nextSessionAt <= earliest! {
                startSession(at: nextSessionAt)
                nextSessionAt += -log(max(uniform(), 1e-12)) * sessionGap / load(at: nextSessionAt)
                continue
            }
            guard earliest != nil else { break }
            emitEarliest(into: &out)
        }
        return out
    }

    // MARK: Active sessions: a binary min-heap on `next`.

    private mutating func push(_ session: ActiveSession) {
        active.append(session)
        var child = active.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard active[child].next < active[parent].next else { break }
            active.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popEarliest() -> ActiveSession {
        let top = active[0]
        let last = active.removeLast()
        guard !active.isEmpty else { return top }
        active[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < active.count, active[left].next < active[smallest].next { smallest = left }
            if right < active.count, active[right].next < active[smallest].next { smallest = right }
            guard smallest != parent else { break }
            active.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }

    private mutating func startSession(at seconds: Double) {
        sessionCount += 1
        let server = pick(Self.servers) { $0.weight }
        let client = pick(Self.clients) { $0.weight }
        let fraction = (seconds * 1e6 - Double(start)) / Double(end - start)
        let released = client.releases.filter { $0.at <= fraction }
        // Most sessions run the newest released version; some lag one behind.
        let version = released.count > 1 && uniform() < 0.25 ? released[released.count - 2].version : released.last!.version
        let env = uniform() < 0.8 ? "prod" : "staging"
        push(ActiveSession(
            id: String(format: "sess-%08x-%08x", sessionCount, UInt32(truncatingIfNeeded: rng.next())),
            next: seconds, remaining: 20 + Int(rng.next() % 61), step: 0, server: server,
            client: PeerInfo(name: client.name, version: version), transport: client.transport, tags: ["env": env]))
    }

    private mutating func emitEarliest(into out: inout [Call]) {
        var session = popEarliest()
        let at = session.next
        let micros = Int64(at * 1e6)
        defer {
            session.step += 1
            session.next = at + 0.2 + -log(max(uniform(), 1e-12)) * 4
            if session.remaining > 0 && session.next * 1e6 < Double(end) { push(session) }
        }
        guard micros < end else { return }
        let date = Date(timeIntervalSince1970: Double(micros) / 1e6)
        func record(_ method: String, target: String? = nil, kind: CallKind = .request, ms: Double = 1,
                    outcome: CallOutcome = .ok, request: JSONValue? = nil, response: JSONValue? = nil,
                    error: (Int?, String)? = nil) -> Call {
            Call(
                startedAt: date, durationNs: kind == .request ? Int64(ms * 1e6) : 0, kind: kind, method: method,
                target: target, outcome: outcome, errorCode: error?.0, errorMessage: error?.1,
                requestId: kind == .request ? String(session.step) : nil, session: session.id,
                client: session.client, server: session.server.peer, protocolVersion: "2025-06-18",
                transport: session.transport, tags: session.tags, request: request, response: response,
                requestBytes: request == nil ? 0 : 120, responseBytes: response == nil ? 0 : 300)
        }
        switch session.step {
        case 0:
            out.append(record("initialize", ms: 3 + uniform() * 20))
            return
        case 1:
            out.append(record("notifications/initialized", kind: .notification))
            return
        case 2:
            out.append(record("tools/list", ms: 1 + uniform() * 4))
            return
        default:
            break
        }
        session.remaining -= 1
        var target = pick(session.server.targets) { $0.weight }
        let silentFrom = Double(end) / 1e6 - Self.silentTool.hours * 3600
        if target.name == Self.silentTool.name && at >= silentFrom {
            target = session.server.targets.first { $0.name != Self.silentTool.name }!
        }
        let ms = target.medianMs * exp(target.sigma * normal())
        var errorRate = 0.02
        if session.client.name == Self.badRelease.client, session.client.version == Self.badRelease.version,
           target.name == Self.badRelease.tool {
            errorRate = Self.badRelease.errorRate
        }
        var outcome = CallOutcome.ok
        var error: (Int?, String)?
        let roll = uniform()
        if roll < errorRate {
            let kind = uniform()
            if kind < 0.6 && target.method == "tools/call" {
                outcome = .toolError
                error = (nil, "\(target.name) failed: upstream returned 502")
            } else if kind < 0.85 {
                outcome = .error
                error = (-32603, "Internal error in \(target.name)")
            } else if kind < 0.95 {
                outcome = .cancelled
            } else {
                outcome = .noResponse
                error = (nil, "no response before the connection closed")
            }
        }
        let arguments: JSONValue = .object(["name": .string(target.name), "arguments": .object(["query": .string("item \(session.step)")])])
        let result: JSONValue = .object(["content": .array([.object(["type": .string("text"), "text": .string(outcome == .ok ? "ok: 3 results" : "failed")])]),
                                         "isError": .bool(outcome == .toolError)])
        out.append(record(target.method, target: target.name, ms: outcome == .noResponse ? 300_000 : ms, outcome: outcome,
                          request: arguments, response: outcome == .ok || outcome == .toolError ? result : nil, error: error))
        if uniform() < 0.05 {
            var progress = record("notifications/progress", kind: .notification)
            progress.direction = .toClient
            out.append(progress)
        }
    }
}
