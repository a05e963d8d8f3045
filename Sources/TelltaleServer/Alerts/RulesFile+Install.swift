import Foundation
import TelltaleCore
import TelltaleStore

extension RulesFile {
    /// Stores the file's channels (dropping file channels an earlier file declared) and replaces the
    /// project's file rules with the file's (start-up with `--rules`). The project is the file's `project` (created when missing) or `defaultProject`.
    ///
    /// Channels go through ``AlertTargetGuard`` (private targets refused unless `allowPrivateTargets`).
    /// - Returns: the project the rules went to.
    /// - Throws: ``RulesFileError`` naming the file, the definition and the field.
    @discardableResult
    package func install(
        file: String, store: any CallStore, defaultProject: Project, allowPrivateTargets: Bool
    ) async throws -> Project {
        guard let alerts = store as? any AlertStore else {
            throw RulesFileError(file: file, problems: [.init(line: nil, context: nil, field: nil, message: "this store does not keep alerts")])
        }
        let target = try await resolveProject(store: store, defaultProject: defaultProject)
        let existing = try await alerts.alertChannels(project: target.id)
        var problems: [RulesFileProblem] = []
        for channel in channels {
            let context = "channel \"\(channel.name)\""
            if existing.contains(where: { $0.name == channel.name && $0.id != channel.id }) {
                problems.append(.init(line: channelLines[channel.id], context: context, field: "name",
                                      message: "name is taken by a channel created through the API in project \"\(target.name)\""))
                continue
            }
            do {
                try await AlertTargetGuard(allowPrivateTargets: allowPrivateTargets).validate(channel)
            } catch let error as AlertTargetError where !error.isPermanent {
                // A DNS failure does not stop start-up: delivery checks the target again before every attempt.
                continue
            } catch let error as AlertTargetError {
                problems.append(.init(line: channelLines[channel.id], context: context, field: error.field, message: "\(error.field) is refused: \(error.reason)"))
            }
        }
        let apiRules = try await alerts.alertRules(project: target.id).filter { $0.source == .api }
        for rule in rules where apiRules.contains(where: { $0.name == rule.name }) {
            problems.append(.init(line: ruleLines[rule.id], context: "rule \"\(rule.name)\"", field: "name",
                                  message: "name is taken by a rule created through the API in project \"\(target.name)\""))
        }
        guard problems.isEmpty else { throw RulesFileError(file: file, problems: problems) }
        for channel in channels {
            try await alerts.saveAlertChannel(channel, project: target.id)
        }
        // Channels an earlier rules file declared and this one no longer does.
        for stale in existing where stale.id.hasPrefix("file:") && !channels.contains(where: { $0.id == stale.id }) {
            _ = try await alerts.deleteAlertChannel(id: stale.id, project: target.id)
        }
        try await alerts.replaceFileAlertRules(rules, project: target.id)
        return target
    }

    /// The project named by `project`, created when missing; `defaultProject` without one.
    private func resolveProject(store: any CallStore, defaultProject: Project) async throws -> Project {
        guard let project else { return defaultProject }
        if let found = try await store.projects().first(where: { $0.name == project }) { return found }
        return try await store.createProject(name: project)
    }
}
