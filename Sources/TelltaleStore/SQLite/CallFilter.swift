import Foundation
import GRDB

/// The SQL `WHERE` condition of a ``CallQuery`` on the `calls` table.
///
/// Tag filters use JSON1 on the `tags` column rather than a side table: they are evaluated only on
/// the rows the (project, started_at) range already selects, and they cost nothing at insert time,
/// where a `call_tags` table would add one indexed row per tag per call.
struct CallFilter {
    var sql: String
    var arguments: StatementArguments

    init(_ query: CallQuery) {
        self.init(query, from: CallRow.microseconds(query.from), to: CallRow.microseconds(query.to))
    }

    /// The query's filters on another time range (microseconds, `from` inclusive, `to` exclusive).
    init(_ query: CallQuery, from: Int64, to: Int64) {
        var sql = "project_id = ? AND started_at >= ? AND started_at < ?"
        var arguments: StatementArguments = [query.project, from, to]
        if let server = query.server {
            sql += " AND server_name = ?"
            arguments += [server]
        }
        if let client = query.client {
            sql += " AND client_name = ?"
            arguments += [client]
        }
        if let clientVersion = query.clientVersion {
            sql += " AND client_version = ?"
            arguments += [clientVersion]
        }
        for (kind, target) in [(TargetKind.tool, query.tool), (.prompt, query.prompt), (.resource, query.resource)] {
            guard let target else { continue }
            sql += " AND method = ? AND target = ?"
            arguments += [kind.method, target]
        }
        if let method = query.method {
            sql += " AND method = ?"
            arguments += [method]
        }
        for key in query.tags.keys.sorted() {
            let value = query.tags[key]!
            if key.contains("\"") || key.contains("\\") {
                // A JSON path label cannot hold these characters: compare keys through json_each.
                sql += " AND EXISTS (SELECT 1 FROM json_each(calls.tags) AS t WHERE t.key = ? AND t.value = ?)"
                arguments += [key, value]
            } else {
                sql += " AND json_extract(tags, ?) = ?"
                arguments += ["$.\"\(key)\"", value]
            }
        }
        self.sql = sql
        self.arguments = arguments
    }

    /// This filter and one more condition.
    func and(_ condition: String, _ extra: StatementArguments = []) -> CallFilter {
        var copy = self
        copy.sql += " AND " + condition
        copy.arguments += extra
        return copy
    }
}
