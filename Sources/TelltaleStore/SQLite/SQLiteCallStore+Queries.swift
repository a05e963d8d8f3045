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

    /// Totals of the filtered range; latency percentiles are exact (nearest rank) over requests.
    ///
    /// One pass over the covering time index, aggregated in Swift: a SQL `GROUP BY` or
    /// `COUNT(DISTINCT)` would sort every row of the range in a temporary B-tree first.
    public func summary(_ query: CallQuery) async throws -> SummaryStats {
        let filter = CallFilter(query)
        return try await pool.read { db in
            var counts = [Int](repeating: 0, count: CallOutcome.allCases.count)
            var notifications = 0
            var sessions = Set<String>()
            var durations: [Int64] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT kind, outcome, duration_ns, session FROM calls WHERE \(filter.sql)",
                arguments: filter.arguments)
            while let row = try rows.next() {
                sessions.insert(row[3])
                let kind: String = row[0]
                if kind == CallKind.request.rawValue {
                    let outcome = try CallRow.decode(CallOutcome.self, row[1])
                    counts[CallOutcome.allCases.firstIndex(of: outcome)!] += 1
                    durations.append(row[2])
                } else if kind == CallKind.notification.rawValue {
                    notifications += 1
                }
            }
            let calls = durations.count
            var outcomes: [String: Int] = [:]
            for (index, outcome) in CallOutcome.allCases.enumerated() { outcomes[outcome.rawValue] = counts[index] }
            let failed = calls - (outcomes[CallOutcome.ok.rawValue] ?? 0)
            return SummaryStats(
                calls: calls, notifications: notifications, outcomes: outcomes,
                errorRate: calls == 0 ? 0 : Double(failed) / Double(calls),
                sessions: sessions.count, latency: Percentiles.latency(sortingInPlace: &durations))
        }
    }

    /// Per-target stats of the kind's method, most called first (ties by name).
    public func targets(_ kind: TargetKind, _ query: CallQuery) async throws -> [TargetStats] {
        let filter = CallFilter(query).and("kind = 'request' AND method = ? AND target IS NOT NULL", [kind.method])
        return try await pool.read { db in
            var groups: [String: GroupStats] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT target, outcome, duration_ns, started_at FROM calls WHERE \(filter.sql)",
                arguments: filter.arguments)
            while let row = try rows.next() {
                groups[row[0] as String, default: GroupStats()]
                    .add(kind: CallKind.request.rawValue, outcome: row[1], durationNs: row[2], startedAt: row[3])
            }
            return groups.map { name, group in
                var group = group
                let latency = group.latency()
                return TargetStats(
                    name: name, calls: group.calls, errors: group.errors, toolErrors: group.toolErrors,
                    errorRate: group.errorRate, p50Ms: latency.p50Ms, p95Ms: latency.p95Ms, p99Ms: latency.p99Ms,
                    lastSeen: group.lastSeenDate)
            }.sorted { ($0.calls, $1.name) > ($1.calls, $0.name) }
        }
    }

    /// Per client name + version, most called first.
    public func clients(_ query: CallQuery) async throws -> [PeerStats] {
        try await peers(nameColumn: "client_name", versionColumn: "client_version", query)
    }

    /// Per server name + version, most called first.
    public func servers(_ query: CallQuery) async throws -> [PeerStats] {
        try await peers(nameColumn: "server_name", versionColumn: "server_version", query)
    }

    /// Groups records by a peer's name and version: calls, errors and latency count requests;
    /// sessions and first/last seen count every record that names the peer.
    func peers(nameColumn: String, versionColumn: String, _ query: CallQuery) async throws -> [PeerStats] {
        let filter = CallFilter(query).and("\(nameColumn) IS NOT NULL")
        return try await pool.read { db in
            var groups: [PeerInfo: GroupStats] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT \(nameColumn), \(versionColumn), kind, outcome, duration_ns, started_at, session
                FROM calls WHERE \(filter.sql)
                """, arguments: filter.arguments)
            while let row = try rows.next() {
                groups[PeerInfo(name: row[0], version: row[1]), default: GroupStats()]
                    .add(kind: row[2], outcome: row[3], durationNs: row[4], startedAt: row[5], session: row[6])
            }
            return groups.map { peer, group in
                var group = group
                let latency = group.latency()
                return PeerStats(
                    name: peer.name, version: peer.version, calls: group.calls, errors: group.errors,
                    errorRate: group.errorRate, sessions: group.sessions.count,
                    p50Ms: latency.p50Ms, p95Ms: latency.p95Ms, p99Ms: latency.p99Ms,
                    firstSeen: group.firstSeenDate, lastSeen: group.lastSeenDate)
            }.sorted { ($0.calls, $1.name, $1.version ?? "") > ($1.calls, $0.name, $0.version ?? "") }
        }
    }

    /// Sessions with a record in the range, most recently active first.
    ///
    /// Counts cover the records that match the query; client, server and transport come from any
    /// record of the session that names them.
    public func sessions(_ query: CallQuery, order: SessionOrder, limit: Int) async throws -> [SessionStats] {
        let filter = CallFilter(query)
        return try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT session,
                       SUM(kind = 'request'),
                       SUM(kind = 'request' AND outcome <> 'ok'),
                       SUM(kind = 'notification'),
                       SUM(CASE WHEN kind = 'pollution' THEN IFNULL(pollution_lines, 1) ELSE 0 END),
                       MIN(started_at), MAX(started_at), MAX(transport)
                FROM calls WHERE \(filter.sql)
                GROUP BY session ORDER BY MAX(started_at) DESC, session LIMIT ?
                """, arguments: filter.arguments + [max(limit, 0)])
            return try rows.map { row in
                let session: String = row[0]
                return SessionStats(
                    id: session,
                    client: try Self.sessionPeer(db, project: query.project, session: session, name: "client_name", version: "client_version"),
                    server: try Self.sessionPeer(db, project: query.project, session: session, name: "server_name", version: "server_version"),
                    transport: row[7], calls: row[1], errors: row[2], notifications: row[3], stdoutPollution: row[4],
                    firstSeen: CallRow.date(microseconds: row[5]), lastSeen: CallRow.date(microseconds: row[6]))
            }
        }
    }

    static func sessionPeer(_ db: Database, project: ProjectID, session: String, name: String, version: String) throws -> PeerInfo? {
        try Row.fetchOne(db, sql: """
            SELECT \(name), \(version) FROM calls INDEXED BY calls_project_session_time
            WHERE project_id = ? AND session = ? AND \(name) IS NOT NULL
            ORDER BY started_at DESC LIMIT 1
            """, arguments: [project, session]).map { PeerInfo(name: $0[0], version: $0[1]) }
    }

    /// The session's records matching the query, oldest first, with payloads.
    public func sessionCalls(session: String, query: CallQuery, limit: Int) async throws -> [Call] {
        let filter = CallFilter(query).and("session = ?", [session])
        return try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(CallRow.selectColumns) FROM calls WHERE \(filter.sql)
                ORDER BY started_at, seq LIMIT ?
                """, arguments: filter.arguments + [max(limit, 0)]).map(CallRow.call(from:))
        }
    }
}
