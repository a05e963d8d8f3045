import Foundation
import TelltaleCore
@testable import TelltaleStore

/// What every store method must answer, computed by brute force from the inserted calls.
struct RollupTruth {
    let calls: [Call]

    static func micros(_ date: Date) -> Int64 { CallRow.microseconds(date) }

    /// Whether a call passes the query's filters and range.
    static func matches(_ call: Call, _ q: CallQuery) -> Bool {
        let at = micros(call.startedAt)
        guard at >= micros(q.from), at < micros(q.to) else { return false }
        return matchesFilters(call, q)
    }

    static func matchesFilters(_ call: Call, _ q: CallQuery) -> Bool {
        if let server = q.server, call.server?.name != server { return false }
        if let client = q.client, call.client?.name != client { return false }
        if let version = q.clientVersion, call.client?.version != version { return false }
        if let tool = q.tool, call.method != "tools/call" || call.target != tool { return false }
        if let prompt = q.prompt, call.method != "prompts/get" || call.target != prompt { return false }
        if let resource = q.resource, call.method != "resources/read" || call.target != resource { return false }
        if let method = q.method, call.method != method { return false }
        for (key, value) in q.tags where call.tags[key] != value { return false }
        return true
    }

    func requests(_ q: CallQuery) -> [Call] {
        calls.filter { $0.kind == .request && Self.matches($0, q) }
    }

    func notifications(_ q: CallQuery) -> Int {
        calls.filter { $0.kind == .notification && Self.matches($0, q) }.count
    }

    /// Exact nearest-rank percentiles.
    static func latency(_ requests: [Call]) -> LatencyStats {
        var durations = requests.map(\.durationNs)
        return Percentiles.latency(sortingInPlace: &durations)
    }

    /// A session as the sessions table must hold it: whole-session totals and latest identity.
    struct Session {
        var id: String
        var first = Int64.max, last = Int64.min
        var calls = 0, errors = 0, notifications = 0, pollution = 0
        var client: PeerInfo?, server: PeerInfo?
        var tags: [String: String] = [:]
        var targets: Set<String> = []
        /// Methods of its requests and notifications.
        var methods: Set<String> = []
    }

    var sessionsByID: [String: Session] {
        var result: [String: Session] = [:]
        for call in calls.sorted(by: { $0.startedAt < $1.startedAt }) {
            var s = result[call.session] ?? Session(id: call.session)
            let at = Self.micros(call.startedAt)
            s.first = min(s.first, at)
            s.last = max(s.last, at)
            switch call.kind {
            case .request:
                s.calls += 1
                if call.outcome != .ok { s.errors += 1 }
                if let target = call.target { s.targets.insert(call.method + " " + target) }
                s.methods.insert(call.method)
            case .notification:
                s.notifications += 1
                s.methods.insert(call.method)
            case .pollution: s.pollution += call.pollutionLines ?? 1
            }
            if let client = call.client { s.client = client }
            if let server = call.server { s.server = server }
            if !call.tags.isEmpty { s.tags = call.tags }
            result[call.session] = s
        }
        return result
    }

    /// Sessions active in the range that pass the filters (identity filters on the session).
    func activeSessions(_ q: CallQuery) -> [Session] {
        let from = Self.micros(q.from), to = Self.micros(q.to)
        return sessionsByID.values.filter { s in
            guard s.last >= from, s.first < to else { return false }
            if let server = q.server, s.server?.name != server { return false }
            if let client = q.client, s.client?.name != client { return false }
            if let version = q.clientVersion, s.client?.version != version { return false }
            if let tool = q.tool, !s.targets.contains("tools/call " + tool) { return false }
            if let prompt = q.prompt, !s.targets.contains("prompts/get " + prompt) { return false }
            if let resource = q.resource, !s.targets.contains("resources/read " + resource) { return false }
            if let method = q.method, !s.methods.contains(method) { return false }
            for (key, value) in q.tags where s.tags[key] != value { return false }
            return true
        }
    }
}

/// Random but reproducible traffic over a few days, with every dimension, outcome and tag combination.
enum RandomTraffic {
    static let servers = [PeerInfo(name: "alpha", version: "1.0"), PeerInfo(name: "alpha", version: "1.1"), PeerInfo(name: "beta", version: "3")]
    static let clients = [PeerInfo(name: "claude-code", version: "2.0"), PeerInfo(name: "claude-code", version: "2.1"),
                          PeerInfo(name: "cursor", version: "1.0"), PeerInfo(name: "cursor", version: nil)]
    static let targets: [(String, String?)] = [
        ("tools/call", "search"), ("tools/call", "fetch"), ("tools/call", "write"), ("prompts/get", "summarize"),
        ("resources/read", "file:///a"), ("tools/list", nil), ("initialize", nil),
    ]
    static let tagSets: [[String: String]] = [[:], ["env": "prod"], ["env": "staging"], ["env": "prod", "team": "x"]]

    /// `count` calls from `start` over `seconds`, in sessions of ~15 records.
    static func calls(count: Int, start: Int64, seconds: Int64, seed: UInt64) -> [Call] {
        var rng = SplitMix64(seed: seed)
        var result: [Call] = []
        var session = "", server = servers[0], client: PeerInfo? = clients[0], tags: [String: String] = [:]
        for index in 0..<count {
            if index % 15 == 0 {
                session = "rs-\(seed)-\(index / 15)"
                server = servers[Int(rng.next() % 3)]
                client = rng.next() % 10 == 0 ? nil : clients[Int(rng.next() % 4)]
                tags = tagSets[Int(rng.next() % 4)]
            }
            let at = start + Int64(rng.next() % UInt64(seconds * 1_000_000))
            let roll = rng.next() % 100
            let kind: CallKind = roll < 85 ? .request : (roll < 95 ? .notification : .pollution)
            let (method, target) = kind == .request ? targets[Int(rng.next() % UInt64(targets.count))]
                : (kind == .notification ? ("notifications/progress", nil) : ("", nil))
            let outcomes: [CallOutcome] = [.ok, .ok, .ok, .ok, .ok, .ok, .toolError, .error, .cancelled, .noResponse]
            let outcome = kind == .request ? outcomes[Int(rng.next() % 10)] : .ok
            // Log-uniform durations from 10 µs to 10 s.
            let duration = Int64(exp(log(1e4) + Double(rng.next() % 1_000_000) / 1_000_000 * (log(1e10) - log(1e4))))
            result.append(Call(
                id: "r\(seed)-\(index)", startedAt: Date(timeIntervalSince1970: Double(at) / 1_000_000),
                durationNs: kind == .request ? duration : 0, kind: kind, method: method, target: target,
                outcome: outcome, session: session, client: kind == .pollution ? nil : client, server: server,
                transport: .stdio, tags: tags, pollutionLines: kind == .pollution ? Int(rng.next() % 4) + 1 : nil))
        }
        return result
    }
}
