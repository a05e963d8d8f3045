import Foundation
import TelltaleCore
import TelltaleStore

/// Creating, replacing and checking alert rules and channels of one project: the rules shared by the API and
/// the dashboard's forms, so both refuse the same things with the same words.
struct AlertsEditor: Sendable {
    /// Why a change was refused; `field` is the definition field at fault.
    struct Refusal: Error, CustomStringConvertible, Equatable {
        /// The HTTP status the API answers with (409 for a name clash, 400 otherwise).
        enum Kind: Sendable, Equatable { case conflict, invalid }
        var kind: Kind
        var field: String
        var message: String
        var description: String { message }
    }

    let alerts: any AlertStore
    let project: ProjectID
    let allowPrivateTargets: Bool

    /// Saves a new API rule from `definition`, with a new id.
    func createRule(_ definition: RuleDefinition) async throws -> AlertRule {
        let rule = definition.rule(id: Self.newID("rule"), channelIDs: try await channelIDs(definition), source: .api)
        try await save(rule)
        return rule
    }

    /// Replaces the API rule `id` with `definition` (its state is kept; the engine closes it when the condition changed).
    func replaceRule(id: String, with definition: RuleDefinition) async throws -> AlertRule {
        let rule = definition.rule(id: id, channelIDs: try await channelIDs(definition), source: .api)
        try await save(rule)
        return rule
    }

    /// Saves a new channel from `definition`, with a new id and, for webhooks, a new signing secret; its
    /// target is checked against private ranges unless allowed.
    func createChannel(_ definition: ChannelDefinition) async throws -> AlertChannel {
        let secret = definition.kind == .webhook ? StandardWebhookSigner.generateSecret() : nil
        let channel = definition.channel(id: Self.newID("chan"), secret: secret)
        do {
            try await AlertTargetGuard(allowPrivateTargets: allowPrivateTargets).validate(channel)
        } catch let error as AlertTargetError {
            let field = error.field == "emailTo" ? "to" : error.field
            throw Refusal(kind: .invalid, field: field, message: "\(field) is refused: \(error.reason)")
        }
        do {
            // The store checks the name in the same transaction as the write.
            try await alerts.saveAlertChannel(channel, project: project)
        } catch StoreError.nameTaken {
            throw Refusal(kind: .conflict, field: "name", message: "another alert channel is named '\(channel.name)'")
        }
        return channel
    }

    /// The channel ids of a definition's `channels` (by id or by name), each once, in order.
    func channelIDs(_ definition: RuleDefinition) async throws -> [String] {
        guard !definition.channels.isEmpty else { return [] }
        let channels = try await alerts.alertChannels(project: project)
        var ids: [String] = []
        for reference in definition.channels {
            guard let channel = channels.first(where: { $0.id == reference.name }) ?? channels.first(where: { $0.name == reference.name }) else {
                throw Refusal(kind: .invalid, field: "channels", message: "channels: no channel with id or name '\(reference.name)'")
            }
            // The same channel named twice (or by name and by id) is notified once.
            if !ids.contains(channel.id) { ids.append(channel.id) }
        }
        return ids
    }

    /// Saves `rule`; a conflict when another rule of the project has its name.
    private func save(_ rule: AlertRule) async throws {
        do {
            // The store checks the name in the same transaction as the write.
            try await alerts.saveAlertRule(rule, project: project)
        } catch StoreError.nameTaken {
            throw Refusal(kind: .conflict, field: "name", message: "another alert rule is named '\(rule.name)'")
        }
    }

    /// A new id: `prefix_` and 32 random hex digits.
    static func newID(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + "_" + bytes.map { String(format: "%02x", $0) }.joined()
    }
}
