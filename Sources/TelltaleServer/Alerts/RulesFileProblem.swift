/// One thing wrong in an alert rule or channel definition: where it is, which definition, which field.
package struct RulesFileProblem: Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line of the offending value (nil when the document has no position, e.g. a missing key
    /// of an empty document).
    package var line: Int?
    /// The definition it belongs to, e.g. `rule "slow-search"` or `channel "ops"` (nil: the document itself).
    package var context: String?
    /// The field, as a dotted path within the definition, e.g. `condition.aboveMs` (nil: the definition itself).
    package var field: String?
    /// What is wrong, a sentence fragment that starts with the field when there is one.
    package var message: String

    package init(line: Int?, context: String?, field: String?, message: String) {
        self.line = line
        self.context = context
        self.field = field
        self.message = message
    }

    /// `rule "slow-search": window must be at least 60s` (no file, no line: the API's form).
    package var description: String {
        context.map { "\($0): \(message)" } ?? message
    }

    /// `rules.yaml:12: rule "slow-search": window must be at least 60s` (the rules file's form).
    package func description(file: String) -> String {
        "\(file):\(line.map { "\($0):" } ?? "") \(description)"
    }
}
