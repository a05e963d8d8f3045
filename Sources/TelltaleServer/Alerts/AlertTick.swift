import TelltaleCore
import TelltaleStore

/// What one evaluation of every rule did (for logs and tests).
package struct AlertTick: Sendable, Equatable {
    /// Ids of the rules evaluated, per project, in evaluation order.
    package var evaluated: [ProjectRule] = []
    /// The transitions stored, in evaluation order.
    package var transitions: [AlertTransition] = []
    /// Rules that could not be evaluated, with the reason (logged too).
    package var failures: [ProjectRule: String] = [:]

    /// A rule of a project.
    package struct ProjectRule: Hashable, Sendable {
        package var project: ProjectID
        package var rule: String

        package init(project: ProjectID, rule: String) {
            self.project = project
            self.rule = rule
        }
    }

    package init() {}
}
