import GRDB

extension SQLiteCallStore {
    /// The schema, as GRDB migrations. Never edit a shipped migration: add a new one.
    ///
    /// Indexes of `calls`, chosen for a fast insert path and index-only aggregate queries:
    /// - `calls_project_id` (unique): idempotent ingest and `call(id:)`. With random (v4) ids every batch
    ///   dirties pages all over this index; time-ordered ids (UUIDv7) make it append-mostly.
    /// - `calls_project_time`: the time range of every query endpoint, *covering* every column the
    ///   aggregates and filters read, so summary, targets, clients, servers and sessions never touch the
    ///   wide table rows (payloads). Time-ordered, so inserts append at its end. It replaces a separate
    ///   (project, method, target, time) index: the per-target tables scan the range in this index.
    /// - `calls_project_session_time`: one session's records in order, and its client/server identity.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE projects (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE api_keys (
                    id INTEGER PRIMARY KEY,
                    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                    scope TEXT NOT NULL,
                    lookup TEXT NOT NULL UNIQUE,
                    hash BLOB NOT NULL,
                    label TEXT,
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER
                );
                CREATE INDEX api_keys_project ON api_keys(project_id);
                CREATE TABLE calls (
                    seq INTEGER PRIMARY KEY,
                    project_id INTEGER NOT NULL,
                    id TEXT NOT NULL,
                    started_at INTEGER NOT NULL,
                    duration_ns INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    direction TEXT NOT NULL,
                    method TEXT NOT NULL,
                    target TEXT,
                    outcome TEXT NOT NULL,
                    error_code INTEGER,
                    error_message TEXT,
                    request_id TEXT,
                    session TEXT NOT NULL,
                    client_name TEXT,
                    client_version TEXT,
                    server_name TEXT,
                    server_version TEXT,
                    protocol_version TEXT,
                    transport TEXT NOT NULL,
                    client_address TEXT,
                    trace_id TEXT,
                    span_id TEXT,
                    traceparent TEXT,
                    tracestate TEXT,
                    tags TEXT,
                    request TEXT,
                    response TEXT,
                    request_bytes INTEGER NOT NULL,
                    response_bytes INTEGER NOT NULL,
                    pollution_lines INTEGER
                );
                CREATE UNIQUE INDEX calls_project_id ON calls(project_id, id);
                CREATE INDEX calls_project_time ON calls(
                    project_id, started_at, kind, outcome, duration_ns, session, method, target,
                    client_name, client_version, server_name, server_version, transport, pollution_lines, tags
                );
                CREATE INDEX calls_project_session_time ON calls(project_id, session, started_at);
                """)
        }
        migrator.registerMigration("v2-dashboard") { db in
            // Tokens are stored as SHA-256 hashes; the grant is what the key (or sign-in link) allowed,
            // `project_id` what the session shows now. A revoked key ends its sessions (checked on lookup).
            try db.execute(sql: """
                CREATE TABLE dashboard_sessions (
                    token_hash BLOB PRIMARY KEY,
                    key_id INTEGER REFERENCES api_keys(id) ON DELETE CASCADE,
                    grant_project INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                    grant_scope TEXT NOT NULL,
                    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                    expires_at INTEGER NOT NULL,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions(expires_at);
                CREATE TABLE sign_in_tokens (
                    token_hash BLOB PRIMARY KEY,
                    key_id INTEGER REFERENCES api_keys(id) ON DELETE CASCADE,
                    grant_project INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                    grant_scope TEXT NOT NULL,
                    expires_at INTEGER NOT NULL,
                    used_at INTEGER,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX sign_in_tokens_expiry ON sign_in_tokens(expires_at);
                """)
        }
        migrator.registerMigration("v3-rollups") { db in
            try RollupSchema.migrate(db)
        }
        migrator.registerMigration("v4-rollup-watermarks") { db in
            try RollupWatermarks.migrate(db)
        }
        migrator.registerMigration("v5-session-targets-by-target") { db in
            // Keyed by target first: the primary key serves both the per-session probes (full key) and the
            // sessions of a target (prefix), so the second index, a write per row at ingest, goes.
            try db.execute(sql: """
                CREATE TABLE session_targets_v5 (
                    project_id INTEGER NOT NULL,
                    method TEXT NOT NULL,
                    target TEXT NOT NULL,
                    session TEXT NOT NULL,
                    calls INTEGER NOT NULL,
                    errors INTEGER NOT NULL,
                    PRIMARY KEY (project_id, method, target, session)
                ) WITHOUT ROWID;
                INSERT INTO session_targets_v5 (project_id, method, target, session, calls, errors)
                    SELECT project_id, method, target, session, calls, errors FROM session_targets
                    ORDER BY project_id, method, target, session;
                DROP TABLE session_targets;
                ALTER TABLE session_targets_v5 RENAME TO session_targets;
                """)
        }
        migrator.registerMigration("v6-alerts") { db in
            try AlertSchema.migrate(db)
        }
        return migrator
    }
}
