import Foundation
import Synchronization
import TelltaleCore
import TelltaleStore

/// TEST DOUBLE: an in-memory `CallStore` used only until the SQLite store lands. Not for production.
final class InMemoryCallStore: CallStore {
    private struct State {
        var calls: [ProjectID: [String: Call]] = [:]
        var projects: [Project] = []
        var keys: [String: AuthenticatedKey] = [:]
    }

    private let state = Mutex(State())

    func insert(_ calls: [Call], project: ProjectID) async throws -> Int {
        state.withLock { state in
            var inserted = 0
            for call in calls where state.calls[project, default: [:]][call.id] == nil {
                state.calls[project, default: [:]][call.id] = call
                inserted += 1
            }
            return inserted
        }
    }

    func call(id: String, project: ProjectID) async throws -> Call? {
        state.withLock { $0.calls[project]?[id] }
    }

    private func matching(_ query: CallQuery) -> [Call] {
        state.withLock { state in
            (state.calls[query.project] ?? [:]).values.filter { call in
                call.startedAt >= query.from && call.startedAt < query.to
                    && (query.server == nil || call.server?.name == query.server)
                    && (query.client == nil || call.client?.name == query.client)
                    && (query.clientVersion == nil || call.client?.version == query.clientVersion)
                    && (query.tool == nil || (call.method == "tools/call" && call.target == query.tool))
                    && query.tags.allSatisfy { call.tags[$0.key] == $0.value }
            }.sorted { $0.startedAt < $1.startedAt }
        }
    }

    private static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }

    private static func latency(_ calls: [Call]) -> (Double?, Double?, Double?) {
        let ms = calls.map { Double($0.durationNs) / 1_000_000 }.sorted()
        return (percentile(ms, 0.5), percentile(ms, 0.95), percentile(ms, 0.99))
    }

    func summary(_ query: CallQuery) async throws -> SummaryStats {
        let all = matching(query)
        let requests = all.filter { $0.kind == .request }
        var outcomes = Dictionary(uniqueKeysWithValues: CallOutcome.allCases.map { ($0.rawValue, 0) })
        for call in requests { outcomes[call.outcome.rawValue, default: 0] += 1 }
        let failed = requests.filter { $0.outcome.isFailure }.count
        let (p50, p95, p99) = Self.latency(requests)
        return SummaryStats(
            calls: requests.count,
            notifications: all.filter { $0.kind == .notification }.count,
            outcomes: outcomes,
            errorRate: requests.isEmpty ? 0 : Double(failed) / Double(requests.count),
            sessions: Set(all.map(\.session)).count,
            latency: LatencyStats(p50Ms: p50, p95Ms: p95, p99Ms: p99)
        )
    }

    func targets(_ kind: TargetKind, _ query: CallQuery) async throws -> [TargetStats] {
        let calls = matching(query).filter { $0.kind == .request && $0.method == kind.method && $0.target != nil }
        return Dictionary(grouping: calls, by: { $0.target! }).map { name, group in
            let errors = group.filter { $0.outcome.isFailure }.count
            let (p50, p95, p99) = Self.latency(group)
            return TargetStats(
                name: name, calls: group.count, errors: errors,
                toolErrors: group.filter { $0.outcome == .toolError }.count,
                errorRate: Double(errors) / Double(group.count), p50Ms: p50, p95Ms: p95, p99Ms: p99,
                lastSeen: group.map(\.startedAt).max()
            )
        }.sorted { ($0.calls, $1.name) > ($1.calls, $0.name) }
    }

    private func peers(_ query: CallQuery, _ peer: (Call) -> PeerInfo?) -> [PeerStats] {
        let calls = matching(query).filter { $0.kind == .request && peer($0) != nil }
        return Dictionary(grouping: calls, by: { peer($0)! }).map { info, group in
            let errors = group.filter { $0.outcome.isFailure }.count
            let (p50, p95, p99) = Self.latency(group)
            return PeerStats(
                name: info.name, version: info.version, calls: group.count, errors: errors,
                errorRate: Double(errors) / Double(group.count), sessions: Set(group.map(\.session)).count,
                p50Ms: p50, p95Ms: p95, p99Ms: p99,
                firstSeen: group.map(\.startedAt).min(), lastSeen: group.map(\.startedAt).max()
            )
        }.sorted { ($0.calls, $1.name) > ($1.calls, $0.name) }
    }

    func clients(_ query: CallQuery) async throws -> [PeerStats] { peers(query, \.client) }
    func servers(_ query: CallQuery) async throws -> [PeerStats] { peers(query, \.server) }

    func sessions(_ query: CallQuery, limit: Int) async throws -> [SessionStats] {
        let calls = matching(query)
        return Dictionary(grouping: calls, by: \.session).map { id, group in
            let requests = group.filter { $0.kind == .request }
            return SessionStats(
                id: id, client: group.compactMap(\.client).first, server: group.compactMap(\.server).first,
                transport: group.first?.transport.rawValue, calls: requests.count,
                errors: requests.filter { $0.outcome.isFailure }.count,
                notifications: group.filter { $0.kind == .notification }.count,
                stdoutPollution: group.compactMap(\.pollutionLines).reduce(0, +),
                firstSeen: group.map(\.startedAt).min()!, lastSeen: group.map(\.startedAt).max()!
            )
        }.sorted { $0.lastSeen > $1.lastSeen }.prefix(limit).map { $0 }
    }

    func sessionCalls(session: String, query: CallQuery, limit: Int) async throws -> [Call] {
        Array(matching(query).filter { $0.session == session }.prefix(limit))
    }

    func projects() async throws -> [Project] {
        state.withLock { state in
            if state.projects.isEmpty { state.projects = [Project(id: 1, name: "default")] }
            return state.projects
        }
    }

    func createProject(name: String) async throws -> Project {
        state.withLock { state in
            let project = Project(id: Int64(state.projects.count + 1), name: name)
            state.projects.append(project)
            return project
        }
    }

    func createKey(project: ProjectID, scope: KeyScope, label: String?) async throws -> IssuedKey {
        state.withLock { state in
            let id = Int64(state.keys.count + 1)
            let plaintext = "tt_\(scope.rawValue)_\(UUID().uuidString.lowercased())"
            let owner = state.projects.first { $0.id == project } ?? Project(id: project, name: "default")
            state.keys[plaintext] = AuthenticatedKey(keyID: id, project: owner, scope: scope)
            return IssuedKey(id: id, project: owner, scope: scope, plaintext: plaintext)
        }
    }

    func authenticate(key: String) async throws -> AuthenticatedKey? {
        state.withLock { $0.keys[key] }
    }
}
