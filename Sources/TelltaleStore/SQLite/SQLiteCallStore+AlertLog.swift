import Foundation
import GRDB
import TelltaleCore

/// Alert rule states, transition history and the delivery log (``AlertStore``).
extension SQLiteCallStore {
    /// The last evaluation state of every rule of the project that has one, by rule id.
    public func alertStates(project: ProjectID) async throws -> [String: AlertRuleState] {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT rule_id, state, since, evaluated_at, value, notified_at, fingerprint FROM alert_states WHERE project_id = ?
                """, arguments: [project])
            var states: [String: AlertRuleState] = [:]
            for row in rows {
                states[row[0]] = AlertRuleState(
                    state: try Self.decodeAlert(AlertState.self, row[1]), since: CallRow.date(microseconds: row[2]),
                    evaluatedAt: (row[3] as Int64?).map(CallRow.date(microseconds:)), value: row[4],
                    notifiedAt: (row[5] as Int64?).map(CallRow.date(microseconds:)), fingerprint: row[6])
            }
            return states
        }
    }

    /// Stores a rule's state and, in the same transaction, the transition (if any) in the history.
    ///
    /// Fails (a foreign key error) when the rule no longer exists: a rule deleted during its evaluation.
    public func recordAlertEvaluation(project: ProjectID, ruleID: String, state: AlertRuleState, transition: AlertTransition?) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO alert_states (project_id, rule_id, state, since, evaluated_at, value, notified_at, fingerprint)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (project_id, rule_id) DO UPDATE SET
                    state = excluded.state, since = excluded.since, evaluated_at = excluded.evaluated_at,
                    value = excluded.value, notified_at = excluded.notified_at, fingerprint = excluded.fingerprint
                """, arguments: [project, ruleID, state.state.rawValue, CallRow.microseconds(state.since),
                                 state.evaluatedAt.map(CallRow.microseconds), state.value,
                                 state.notifiedAt.map(CallRow.microseconds), state.fingerprint])
            guard let transition else { return }
            try db.execute(sql: """
                INSERT INTO alert_history (project_id, rule_id, kind, from_state, to_state, at, value, threshold, summary)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [project, ruleID, transition.kind.rawValue, transition.from.rawValue,
                                 transition.to.rawValue, CallRow.microseconds(transition.at), transition.value,
                                 transition.threshold, transition.summary])
            try Self.trim("alert_history", order: "at", project: project, ruleID: ruleID, db)
        }
    }

    /// How many transitions and deliveries are kept per rule (and for test notifications, per project):
    /// the newest ones. A rule that flaps every evaluation would otherwise grow both tables without end.
    public static let alertLogRowsPerRule = 1000

    /// Deletes the rows of `table` for one rule beyond the newest ``alertLogRowsPerRule``.
    static func trim(_ table: String, order column: String, project: ProjectID, ruleID: String, _ db: Database,
                     keep: Int = alertLogRowsPerRule) throws {
        // Served by the (project_id, rule_id, <column>, seq) index: walks at most `keep` + the excess.
        try db.execute(sql: """
            DELETE FROM \(table) WHERE project_id = ? AND rule_id = ? AND (\(column), seq) < (
                SELECT \(column), seq FROM \(table) WHERE project_id = ? AND rule_id = ?
                ORDER BY \(column) DESC, seq DESC LIMIT 1 OFFSET ?)
            """, arguments: [project, ruleID, project, ruleID, keep - 1])
    }

    /// Transitions of one rule (or of all when `ruleID` is nil), newest first, at most `limit`.
    public func alertHistory(project: ProjectID, ruleID: String?, limit: Int) async throws -> [AlertTransition] {
        try await pool.read { db in
            let (condition, arguments) = Self.ruleCondition(project, ruleID)
            return try Row.fetchAll(db, sql: """
                SELECT rule_id, kind, from_state, to_state, at, value, threshold, summary FROM alert_history
                WHERE \(condition) ORDER BY at DESC, seq DESC LIMIT ?
                """, arguments: arguments + [max(limit, 0)]).map { row in
                AlertTransition(
                    ruleID: row[0], kind: try Self.decodeAlert(AlertTransition.Kind.self, row[1]),
                    from: try Self.decodeAlert(AlertState.self, row[2]), to: try Self.decodeAlert(AlertState.self, row[3]),
                    at: CallRow.date(microseconds: row[4]), value: row[5], threshold: row[6], summary: row[7])
            }
        }
    }

    /// Adds a delivery to the log (its id, the notification id, is unique in the project).
    public func createAlertDelivery(_ delivery: AlertDelivery, project: ProjectID) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO alert_deliveries (project_id, id, rule_id, channel_id, channel_name, channel_kind,
                    transition_kind, transition_at, is_test, status, attempts, last_error, last_attempt_at, delivered_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [project, delivery.id, delivery.ruleID, delivery.channelID, delivery.channelName,
                                 delivery.channelKind.rawValue, delivery.transitionKind.rawValue,
                                 CallRow.microseconds(delivery.transitionAt), delivery.isTest, delivery.status.rawValue,
                                 delivery.attempts, delivery.lastError, delivery.lastAttemptAt.map(CallRow.microseconds),
                                 delivery.deliveredAt.map(CallRow.microseconds)])
            try Self.trim("alert_deliveries", order: "transition_at", project: project, ruleID: delivery.ruleID, db)
        }
    }

    /// Updates a delivery's status, attempts, last error and times (found by id; a missing one is ignored).
    public func updateAlertDelivery(_ delivery: AlertDelivery, project: ProjectID) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE alert_deliveries SET status = ?, attempts = ?, last_error = ?, last_attempt_at = ?, delivered_at = ?
                WHERE project_id = ? AND id = ?
                """, arguments: [delivery.status.rawValue, delivery.attempts, delivery.lastError,
                                 delivery.lastAttemptAt.map(CallRow.microseconds),
                                 delivery.deliveredAt.map(CallRow.microseconds), project, delivery.id])
        }
    }

    /// Deliveries of one rule (or of all when `ruleID` is nil), newest transition first, at most `limit`.
    public func alertDeliveries(project: ProjectID, ruleID: String?, limit: Int) async throws -> [AlertDelivery] {
        try await pool.read { db in
            let (condition, arguments) = Self.ruleCondition(project, ruleID)
            return try Row.fetchAll(db, sql: """
                SELECT id, rule_id, channel_id, channel_name, channel_kind, transition_kind, transition_at, is_test,
                       status, attempts, last_error, last_attempt_at, delivered_at
                FROM alert_deliveries WHERE \(condition) ORDER BY transition_at DESC, seq DESC LIMIT ?
                """, arguments: arguments + [max(limit, 0)]).map { row in
                AlertDelivery(
                    id: row[0], ruleID: row[1], channelID: row[2], channelName: row[3],
                    channelKind: try Self.decodeAlert(AlertChannelKind.self, row[4]),
                    transitionKind: try Self.decodeAlert(AlertTransition.Kind.self, row[5]),
                    transitionAt: CallRow.date(microseconds: row[6]), isTest: row[7],
                    status: try Self.decodeAlert(AlertDelivery.Status.self, row[8]), attempts: row[9], lastError: row[10],
                    lastAttemptAt: (row[11] as Int64?).map(CallRow.date(microseconds:)),
                    deliveredAt: (row[12] as Int64?).map(CallRow.date(microseconds:)))
            }
        }
    }

    private static func ruleCondition(_ project: ProjectID, _ ruleID: String?) -> (String, StatementArguments) {
        guard let ruleID else { return ("project_id = ?", [project]) }
        return ("project_id = ? AND rule_id = ?", [project, ruleID])
    }

    private static func decodeAlert<T: RawRepresentable>(_: T.Type, _ raw: String) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: raw) else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "unknown \(T.self) \"\(raw)\" in the alert tables")
        }
        return value
    }
}
