import Foundation
import GRDB
import TelltaleCore

extension SQLiteCallStore {
    /// One call by id, with payloads; nil when the project has no such call.
    public func call(id: String, project: ProjectID) async throws -> Call? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(CallRow.selectColumns) FROM calls WHERE project_id = ? AND id = ?",
                arguments: [project, id]
            ).map(CallRow.call(from:))
        }
    }

    /// Totals of the filtered range, from the rollups (raw calls only for partial minutes at the edges).
    ///
    /// Percentiles come from the merged latency sketches (≤ 1% relative error); `sessions` counts the sessions
    /// active in the range (see ``sessions(_:order:limit:)``).
    public func summary(_ query: CallQuery) async throws -> SummaryStats {
        try await totals(query, countingSessions: true)
    }

    /// Totals without the session count: rollups only.
    public func callTotals(_ query: CallQuery) async throws -> SummaryStats {
        try await totals(query, countingSessions: false)
    }

    private func totals(_ query: CallQuery, countingSessions: Bool) async throws -> SummaryStats {
        try await pool.read { db in
            var scan = RollupScan(dimensions: [], latency: true)
            try scan.run(query, db, catalog: self.seriesCatalog)
            let total = scan.totalsPerGroup().values.reduce(into: RollupAccumulator()) { $0.merge($1) }
            let sessions = countingSessions ? try Self.activeSessionCount(query, db) : 0
            return SummaryStats(
                calls: Int(total.calls), notifications: Int(total.notifications), outcomes: total.outcomeCounts,
                errorRate: total.errorRate, sessions: sessions, latency: total.latency)
        }
    }

    /// Per-target stats of the kind's method, most called first (ties by name).
    public func targets(_ kind: TargetKind, _ query: CallQuery) async throws -> [TargetStats] {
        try await pool.read { db in
            var scan = RollupScan(dimensions: [.target], latency: true, method: kind.method)
            try scan.run(query, db, catalog: self.seriesCatalog)
            return scan.totalsPerGroup().compactMap { index, group -> TargetStats? in
                guard let name = scan.groups[index].target, group.calls > 0 else { return nil }
                let latency = group.latency
                return TargetStats(
                    name: name, calls: Int(group.calls), errors: group.errors, toolErrors: group.toolErrors,
                    errorRate: group.errorRate, p50Ms: latency.p50Ms, p95Ms: latency.p95Ms, p99Ms: latency.p99Ms,
                    lastSeen: group.lastSeenDate)
            }.sorted { ($0.calls, $1.name) > ($1.calls, $0.name) }
        }
    }

    /// Per client name + version, most called first.
    public func clients(_ query: CallQuery) async throws -> [PeerStats] {
        try await peers(client: true, query)
    }

    /// Per server name + version, most called first.
    public func servers(_ query: CallQuery) async throws -> [PeerStats] {
        try await peers(client: false, query)
    }

    /// Groups records by a peer's name and version: calls, errors and latency count requests, first/last seen
    /// requests and notifications; `sessions` counts the active sessions whose session row names the peer.
    func peers(client: Bool, _ query: CallQuery) async throws -> [PeerStats] {
        try await pool.read { db in
            var scan = RollupScan(
                dimensions: client ? [.clientName, .clientVersion] : [.serverName, .serverVersion], latency: true)
            try scan.run(query, db, catalog: self.seriesCatalog)
            let sessions = try Self.activeSessionsPerPeer(query, client: client, db)
            return scan.totalsPerGroup().compactMap { index, group -> PeerStats? in
                let values = scan.groups[index]
                guard let name = client ? values.clientName : values.serverName else { return nil }
                let version = client ? values.clientVersion : values.serverVersion
                let latency = group.latency
                return PeerStats(
                    name: name, version: version, calls: Int(group.calls), errors: group.errors,
                    errorRate: group.errorRate, sessions: sessions[PeerInfo(name: name, version: version)] ?? 0,
                    p50Ms: latency.p50Ms, p95Ms: latency.p95Ms, p99Ms: latency.p99Ms,
                    firstSeen: group.firstSeenDate, lastSeen: group.lastSeenDate)
            }.sorted { ($0.calls, $1.name, $1.version ?? "") > ($1.calls, $0.name, $0.version ?? "") }
        }
    }
}
