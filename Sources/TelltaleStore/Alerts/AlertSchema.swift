import GRDB

/// The `v6-alerts` migration: alert rules, channels, rule states, transition history and the delivery log.
///
/// Rules and channels keep their whole definition as JSON (`definition`), with the columns that are
/// searched or constrained (name, source, kind) beside it. States and history belong to a rule and go with
/// it (`ON DELETE CASCADE`); everything goes with its project. Deliveries name their rule and channel without
/// a foreign key: test notifications have no rule, and the log outlives a deleted channel.
enum AlertSchema {
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE alert_rules (
                project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                id TEXT NOT NULL,
                name TEXT NOT NULL,
                source TEXT NOT NULL,
                definition TEXT NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (project_id, id),
                UNIQUE (project_id, name)
            ) WITHOUT ROWID;
            CREATE TABLE alert_channels (
                project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                id TEXT NOT NULL,
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                definition TEXT NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (project_id, id),
                UNIQUE (project_id, name)
            ) WITHOUT ROWID;
            CREATE TABLE alert_states (
                project_id INTEGER NOT NULL,
                rule_id TEXT NOT NULL,
                state TEXT NOT NULL,
                since INTEGER NOT NULL,
                evaluated_at INTEGER,
                value REAL,
                notified_at INTEGER,
                fingerprint TEXT,
                PRIMARY KEY (project_id, rule_id),
                FOREIGN KEY (project_id, rule_id) REFERENCES alert_rules(project_id, id) ON DELETE CASCADE
            ) WITHOUT ROWID;
            CREATE TABLE alert_history (
                seq INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL,
                rule_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                from_state TEXT NOT NULL,
                to_state TEXT NOT NULL,
                at INTEGER NOT NULL,
                value REAL,
                threshold REAL NOT NULL,
                summary TEXT NOT NULL,
                FOREIGN KEY (project_id, rule_id) REFERENCES alert_rules(project_id, id) ON DELETE CASCADE
            );
            -- Newest first, per rule (the rule page, and the cascade on delete) and per project (all rules).
            CREATE INDEX alert_history_rule ON alert_history(project_id, rule_id, at, seq);
            CREATE INDEX alert_history_project ON alert_history(project_id, at, seq);
            CREATE TABLE alert_deliveries (
                seq INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                id TEXT NOT NULL,
                rule_id TEXT NOT NULL,
                channel_id TEXT NOT NULL,
                channel_name TEXT NOT NULL,
                channel_kind TEXT NOT NULL,
                transition_kind TEXT NOT NULL,
                transition_at INTEGER NOT NULL,
                is_test INTEGER NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                last_error TEXT,
                last_attempt_at INTEGER,
                delivered_at INTEGER,
                UNIQUE (project_id, id)
            );
            CREATE INDEX alert_deliveries_rule ON alert_deliveries(project_id, rule_id, transition_at, seq);
            CREATE INDEX alert_deliveries_project ON alert_deliveries(project_id, transition_at, seq);
            """)
    }
}
