import Foundation
import TelltaleCore

/// Storage of alert rules, channels, rule states, transition history and the delivery log.
///
/// Every method is scoped to a project and safe to call concurrently. Channel secrets are stored as given
/// and returned only to the server (the API strips them).
public protocol AlertStore: Sendable {
    /// The project's rules, by name.
    func alertRules(project: ProjectID) async throws -> [AlertRule]
    /// One rule, or nil.
    func alertRule(id: String, project: ProjectID) async throws -> AlertRule?
    /// Inserts or replaces a rule (by id). Throws `StoreError.nameTaken` when another rule of the project has its name.
    func saveAlertRule(_ rule: AlertRule, project: ProjectID) async throws
    /// Deletes a rule, its state and history; false when it did not exist.
    func deleteAlertRule(id: String, project: ProjectID) async throws -> Bool
    /// Replaces every `source == .file` rule of the project with `rules` (start-up with `--rules`).
    func replaceFileAlertRules(_ rules: [AlertRule], project: ProjectID) async throws

    /// The project's channels, with secrets, by name.
    func alertChannels(project: ProjectID) async throws -> [AlertChannel]
    /// Inserts or replaces a channel (by id). Throws `StoreError.nameTaken` when another channel of the project has its name.
    func saveAlertChannel(_ channel: AlertChannel, project: ProjectID) async throws
    /// Deletes a channel (rules keep their other channels); false when it did not exist.
    func deleteAlertChannel(id: String, project: ProjectID) async throws -> Bool

    /// The last evaluation state of every rule of the project that has one.
    func alertStates(project: ProjectID) async throws -> [String: AlertRuleState]
    /// Stores a rule's new state and, in the same transaction, the transition (if any) in the history.
    func recordAlertEvaluation(project: ProjectID, ruleID: String, state: AlertRuleState, transition: AlertTransition?) async throws
    /// Transitions, newest first, of one rule or all.
    func alertHistory(project: ProjectID, ruleID: String?, limit: Int) async throws -> [AlertTransition]

    /// Adds a delivery to the log.
    func createAlertDelivery(_ delivery: AlertDelivery, project: ProjectID) async throws
    /// Updates a delivery (status, attempts, last error, times).
    func updateAlertDelivery(_ delivery: AlertDelivery, project: ProjectID) async throws
    /// Deliveries, newest first, of one rule or all.
    func alertDeliveries(project: ProjectID, ruleID: String?, limit: Int) async throws -> [AlertDelivery]
}
