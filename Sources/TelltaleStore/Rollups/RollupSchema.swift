import Foundation
import GRDB
import TelltaleCore

/// The `v3-rollups` migration: rollup tiers, series and tag set dictionaries, sessions, and their backfill.
enum RollupSchema {
    /// The upsert clause every write of a rollup row ends with: counts add up, first/last seen widen, and the
    /// latency sketches merge (ingest of new minutes and compaction into coarser tiers share it).
    static let mergeOnConflict = """
        ON CONFLICT (project_id, projection, bucket, series_id) DO UPDATE SET
            calls = calls + excluded.calls, ok = ok + excluded.ok, tool_error = tool_error + excluded.tool_error,
            error = error + excluded.error, cancelled = cancelled + excluded.cancelled,
            no_response = no_response + excluded.no_response, notifications = notifications + excluded.notifications,
            first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
            sketch = \(SketchMergeFunction.name)(sketch, excluded.sketch)
        """

    /// Creates the tables and fills them from the calls already stored.
    static func migrate(_ db: Database) throws {
        var sql = """
            CREATE TABLE tagsets (
                id INTEGER PRIMARY KEY,
                tags_json TEXT NOT NULL UNIQUE
            );
            CREATE TABLE tagset_members (
                tagset_id INTEGER NOT NULL REFERENCES tagsets(id),
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (key, value, tagset_id)
            ) WITHOUT ROWID;
            CREATE TABLE series (
                id INTEGER PRIMARY KEY,
                projection INTEGER NOT NULL,
                server_name TEXT NOT NULL,
                server_version TEXT NOT NULL,
                client_name TEXT NOT NULL,
                client_version TEXT NOT NULL,
                method TEXT NOT NULL,
                target TEXT NOT NULL,
                tagset_id INTEGER NOT NULL,
                UNIQUE (projection, server_name, server_version, client_name, client_version, method, target, tagset_id)
            );
            CREATE TABLE sessions (
                project_id INTEGER NOT NULL,
                session TEXT NOT NULL,
                first_seen INTEGER NOT NULL,
                last_seen INTEGER NOT NULL,
                client_name TEXT,
                client_version TEXT,
                server_name TEXT,
                server_version TEXT,
                transport TEXT NOT NULL,
                tagset_id INTEGER NOT NULL,
                calls INTEGER NOT NULL,
                errors INTEGER NOT NULL,
                notifications INTEGER NOT NULL,
                pollution INTEGER NOT NULL,
                PRIMARY KEY (project_id, session)
            ) WITHOUT ROWID;
            -- Covers every session query but the session list's columns: counts, error lists, sessions per
            -- peer and the top-N orders scan only this index over the range (errors ordering included: a
            -- top-N sort of the active sessions beats a separate errors index, which would have to skip
            -- the inactive sessions of every other range).
            CREATE INDEX sessions_active ON sessions(
                project_id, last_seen, first_seen, calls, errors, client_name, client_version, server_name,
                server_version, tagset_id
            );
            CREATE TABLE session_targets (
                project_id INTEGER NOT NULL,
                session TEXT NOT NULL,
                method TEXT NOT NULL,
                target TEXT NOT NULL,
                calls INTEGER NOT NULL,
                errors INTEGER NOT NULL,
                PRIMARY KEY (project_id, session, method, target)
            ) WITHOUT ROWID;
            -- The sessions that used a tool, prompt or resource (target filters on session queries).
            CREATE INDEX session_targets_target ON session_targets(project_id, method, target, session);
            """
        for tier in RollupBatch.Tier.all {
            sql += """
                CREATE TABLE \(tier.table) (
                    project_id INTEGER NOT NULL,
                    projection INTEGER NOT NULL,
                    bucket INTEGER NOT NULL,
                    series_id INTEGER NOT NULL,
                    calls INTEGER NOT NULL,
                    ok INTEGER NOT NULL,
                    tool_error INTEGER NOT NULL,
                    error INTEGER NOT NULL,
                    cancelled INTEGER NOT NULL,
                    no_response INTEGER NOT NULL,
                    notifications INTEGER NOT NULL,
                    first_seen INTEGER NOT NULL,
                    last_seen INTEGER NOT NULL,
                    sketch BLOB,
                    PRIMARY KEY (project_id, projection, bucket, series_id)
                ) WITHOUT ROWID;

                """
        }
        try db.execute(sql: sql)
        try backfill(db)
    }

    /// Feeds every stored call to the rollups and sessions, in chunks of `chunk` rows.
    static func backfill(_ db: Database, chunk: Int = 100_000) throws {
        let cache = RollupCache()
        var after: Int64 = 0
        while true {
            var batches: [ProjectID: RollupBatch] = [:]
            var last: Int64?
            let rows = try Row.fetchCursor(db, sql: """
                SELECT seq, project_id, started_at, duration_ns, kind, outcome, method, target, session,
                       client_name, client_version, server_name, server_version, transport, tags, pollution_lines
                FROM calls WHERE seq > ? ORDER BY seq LIMIT ?
                """, arguments: [after, chunk])
            while let row = try rows.next() {
                last = row[0]
                let project: ProjectID = row[1]
                let input = RollupInput(
                    startedAt: row[2], durationNs: row[3], kind: try CallRow.decode(CallKind.self, row[4]),
                    outcome: try CallRow.decode(CallOutcome.self, row[5]), method: row[6], target: row[7],
                    session: row[8], clientName: row[9], clientVersion: row[10], serverName: row[11],
                    serverVersion: row[12], transport: row[13], tagsJSON: row[14], pollutionLines: row[15])
                batches[project, default: RollupBatch(project: project)].add(input)
            }
            guard let last else { return }
            for batch in batches.values { try batch.write(db, cache: cache, watermarks: .complete) }
            after = last
        }
    }
}
