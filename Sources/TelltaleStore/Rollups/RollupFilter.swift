import Foundation
import GRDB

/// A ``CallQuery``'s filters applied to series (rollup rows) and to the `sessions` table.
struct RollupFilter {
    var server: String?
    var client: String?
    var clientVersion: String?
    /// Method and target pairs that must all hold (a tool and a prompt filter together match nothing).
    var targets: [(method: String, target: String)] = []
    /// The JSON-RPC method of the records.
    var method: String?
    /// Tag sets holding every filtered tag; nil when tags are not filtered.
    var tagsets: Set<Int64>?

    /// The dimensions these filters read.
    var dimensions: Set<SeriesDimension> {
        var needed: Set<SeriesDimension> = []
        if server != nil { needed.insert(.serverName) }
        if client != nil { needed.insert(.clientName) }
        if clientVersion != nil { needed.insert(.clientVersion) }
        if !targets.isEmpty { needed.formUnion([.method, .target]) }
        if method != nil { needed.insert(.method) }
        if tagsets != nil { needed.insert(.tagset) }
        return needed
    }

    /// The filters of `query`, with the tag sets that match its tags looked up in `db`.
    init(_ query: CallQuery, _ db: Database) throws {
        server = query.server
        client = query.client
        clientVersion = query.clientVersion
        method = query.method
        if let tool = query.tool { targets.append((TargetKind.tool.method, tool)) }
        if let prompt = query.prompt { targets.append((TargetKind.prompt.method, prompt)) }
        if let resource = query.resource { targets.append((TargetKind.resource.method, resource)) }
        guard !query.tags.isEmpty else { return }
        var matching: Set<Int64>?
        for (key, value) in query.tags.sorted(by: { $0.key < $1.key }) {
            let ids = Set(try Int64.fetchAll(
                db, sql: "SELECT tagset_id FROM tagset_members WHERE key = ? AND value = ?", arguments: [key, value]))
            matching = matching.map { $0.intersection(ids) } ?? ids
        }
        tagsets = matching ?? []
    }

    /// Whether a series passes every filter (its projection must keep the filtered dimensions).
    func matches(_ series: SeriesInfo) -> Bool {
        if let server, series.serverName != server { return false }
        if let client, series.clientName != client { return false }
        if let clientVersion, series.clientVersion != clientVersion { return false }
        for (method, target) in targets where series.method != method || series.target != target { return false }
        if let method, series.method != method { return false }
        if let tagsets, !tagsets.contains(series.tagset) { return false }
        return true
    }

    /// Ranges longer than this find target-filtered sessions through the target's sessions (see ``sessionCondition(_:)``).
    static let longSessionRange: TimeInterval = 86_400

    /// The `FROM` and `WHERE` of the sessions active in the query's range that pass the filters (alias `s`).
    ///
    /// Without a target filter, or over a day or less: the covering `sessions_active` index over the range
    /// (target filters probe `session_targets` per session). Over longer ranges with a target filter: the
    /// sessions that used the target (a prefix of the `session_targets` key), each looked up by primary key.
    func sessionCondition(_ query: CallQuery) -> (from: String, sql: String, arguments: StatementArguments) {
        var from = "sessions s INDEXED BY sessions_active"
        var sql = ""
        var arguments: StatementArguments = []
        var targets = self.targets[...]
        // Short ranges have few active sessions: probing `session_targets` for each is cheaper than reading
        // every session that ever used the target. Past a day, the other way round.
        let long = query.to.timeIntervalSince(query.from) > Self.longSessionRange
        if long, let (method, target) = targets.first {
            targets = targets.dropFirst()
            from = """
                session_targets u
                CROSS JOIN sessions s ON s.project_id = u.project_id AND s.session = u.session
                """
            sql = "u.project_id = ? AND u.method = ? AND u.target = ? AND "
            arguments = [query.project, method, target]
        }
        sql += "s.project_id = ? AND s.last_seen >= ? AND s.first_seen < ?"
        arguments += [query.project, CallRow.microseconds(query.from), CallRow.microseconds(query.to)]
        if let server {
            sql += " AND s.server_name = ?"
            arguments += [server]
        }
        if let client {
            sql += " AND s.client_name = ?"
            arguments += [client]
        }
        if let clientVersion {
            sql += " AND s.client_version = ?"
            arguments += [clientVersion]
        }
        for (method, target) in targets {
            sql += """
                 AND EXISTS (SELECT 1 FROM session_targets t
                             WHERE t.project_id = s.project_id AND t.session = s.session AND t.method = ? AND t.target = ?)
                """
            arguments += [method, target]
        }
        if let method {
            // Sessions that used the method (targets or not), from their records: `session_targets` only
            // knows requests with a target.
            sql += """
                 AND EXISTS (SELECT 1 FROM calls c INDEXED BY calls_project_session_time
                             WHERE c.project_id = s.project_id AND c.session = s.session AND c.method = ?
                               AND c.kind IN ('request', 'notification'))
                """
            arguments += [method]
        }
        if let tagsets {
            // Ids come from the database (integers): safe to inline.
            sql += " AND s.tagset_id IN (\(tagsets.sorted().map(String.init).joined(separator: ",")))"
        }
        return (from, sql, arguments)
    }
}
