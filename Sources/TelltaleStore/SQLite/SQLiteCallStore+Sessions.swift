import Foundation
import GRDB
import TelltaleCore

extension SQLiteCallStore {
    /// Sessions active in the range (`last_seen >= from AND first_seen < to`) with whole-session totals.
    ///
    /// Client, server, version and tag filters apply to the session's identity; a tool, prompt, resource or method
    /// filter keeps the sessions that used that target or method. Read from the `sessions` table kept at insert time.
    public func sessions(_ query: CallQuery, order: SessionOrder, limit: Int) async throws -> [SessionStats] {
        let limit = max(limit, 0)
        guard limit > 0, query.from < query.to else { return [] }
        return try await pool.read { db in
            let condition = try RollupFilter(query, db).sessionCondition(query)
            // The order and the limit are applied on the covering index first (a top-N sort of index entries);
            // only the chosen sessions are then read from the table.
            func pick(_ extra: String, _ orderBy: String, _ count: Int, extraArguments: StatementArguments = []) throws -> [Row] {
                try Row.fetchAll(db, sql: """
                    SELECT s.session, s.client_name, s.client_version, s.server_name, s.server_version, s.transport,
                           s.calls, s.errors, s.notifications, s.pollution, s.first_seen, s.last_seen
                    FROM (SELECT s.session AS id FROM \(condition.from) WHERE \(condition.sql)\(extra)
                          ORDER BY \(orderBy) LIMIT ?) AS chosen
                    CROSS JOIN sessions s ON s.project_id = ? AND s.session = chosen.id
                    ORDER BY \(orderBy)
                    """, arguments: condition.arguments + extraArguments + [count, query.project])
            }
            var rows: [Row]
            switch order {
            case .recent where condition.from.hasPrefix("session_targets"):
                // Through the target's sessions there is no last_seen order to stream: one top-N pass.
                rows = try pick("", "s.last_seen DESC, s.session", limit)
            case .recent:
                // The newest `limit` sessions stream from the index in last_seen order; the ones tied with the
                // last of them are kept too, so the tie-breaker on the session id stays exact.
                let boundary = """
                     AND s.last_seen >= IFNULL((SELECT s.last_seen FROM \(condition.from) WHERE \(condition.sql)
                                                ORDER BY s.last_seen DESC LIMIT 1 OFFSET \(limit - 1)), -9223372036854775807)
                    """
                rows = try pick(boundary, "s.last_seen DESC, s.session", limit, extraArguments: condition.arguments)
            case .calls:
                rows = try pick("", "s.calls DESC, s.last_seen DESC, s.session", limit)
            case .errors:
                // Sessions with errors first, then the most recent error-free ones.
                rows = try pick(" AND s.errors > 0", "s.errors DESC, s.last_seen DESC, s.session", limit)
                if rows.count < limit {
                    rows += try pick(" AND s.errors = 0", "s.last_seen DESC, s.session", limit - rows.count)
                }
            }
            return rows.map { row in
                SessionStats(
                    id: row[0],
                    client: (row[1] as String?).map { PeerInfo(name: $0, version: row[2]) },
                    server: (row[3] as String?).map { PeerInfo(name: $0, version: row[4]) },
                    transport: row[5], calls: row[6], errors: row[7], notifications: row[8], stdoutPollution: row[9],
                    firstSeen: CallRow.date(microseconds: row[10]), lastSeen: CallRow.date(microseconds: row[11]))
            }
        }
    }

    /// The sessions of ``sessions(_:order:limit:)``: how many, their requests, and each one's errors (largest first).
    public func sessionErrorCounts(_ query: CallQuery) async throws -> SessionErrorCounts {
        guard query.from < query.to else { return SessionErrorCounts(sessions: 0, calls: 0, errorsPerSession: []) }
        return try await pool.read { db in
            let condition = try RollupFilter(query, db).sessionCondition(query)
            // One pass over the covering index: count, requests, and the errors of sessions that have some.
            let statement = try RawStatement(db, sql: """
                SELECT s.calls, s.errors FROM \(condition.from) WHERE \(condition.sql)
                """, arguments: condition.arguments)
            defer { statement.finish() }
            var sessions = 0, calls = 0
            var errors: [Int] = []
            while try statement.step() {
                sessions += 1
                calls += Int(statement.int64(0))
                let count = Int(statement.int64(1))
                if count > 0 { errors.append(count) }
            }
            errors.sort(by: >)
            return SessionErrorCounts(sessions: sessions, calls: calls, errorsPerSession: errors)
        }
    }

    /// How many sessions are active in the query's range and pass its filters.
    static func activeSessionCount(_ query: CallQuery, _ db: Database) throws -> Int {
        guard query.from < query.to else { return 0 }
        let condition = try RollupFilter(query, db).sessionCondition(query)
        return try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM \(condition.from) WHERE \(condition.sql)", arguments: condition.arguments) ?? 0
    }

    /// Active sessions per client (or server) name and version.
    static func activeSessionsPerPeer(_ query: CallQuery, client: Bool, _ db: Database) throws -> [PeerInfo: Int] {
        guard query.from < query.to else { return [:] }
        let condition = try RollupFilter(query, db).sessionCondition(query)
        let (name, version) = client ? ("s.client_name", "s.client_version") : ("s.server_name", "s.server_version")
        let statement = try RawStatement(db, sql: """
            SELECT \(name), \(version) FROM \(condition.from) WHERE \(condition.sql)
            """, arguments: condition.arguments)
        defer { statement.finish() }
        var counter = PeerCounter()
        while try statement.step() {
            counter.add(name: statement.textBytes(0), version: statement.textBytes(1))
        }
        return counter.counts
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
