/// Why a rules file (`telltale serve --rules FILE`) was refused: every problem found, each naming the file,
/// the line and the field, e.g. `rules.yaml:12: rule "slow-search": window must be at least 60s`.
package struct RulesFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file's name as given on the command line.
    package var file: String
    /// The problems, in document order.
    package var problems: [RulesFileProblem]

    package init(file: String, problems: [RulesFileProblem]) {
        self.file = file
        self.problems = problems
    }

    /// One line per problem.
    package var description: String {
        problems.map { $0.description(file: file) }.joined(separator: "\n")
    }
}
