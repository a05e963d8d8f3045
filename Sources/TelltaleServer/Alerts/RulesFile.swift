import Foundation
import TelltaleCore
import Yams

/// The rules file of `telltale serve --rules FILE`: alert rules and the channels they notify, in YAML or
/// JSON (read by the same parser: JSON is YAML).
///
/// ```yaml
/// project: default            # optional; the default project otherwise
/// channels:
///   - name: ops-hook
///     kind: webhook
///     url: https://hooks.example.com/telltale
///     secret: ${OPS_HOOK_SECRET}
/// rules:
///   - name: slow-search
///     scope: {server: weather, tool: search}
///     condition: {kind: latency, percentile: p95, aboveMs: 800}
///     window: 5m
///     for: 2m
///     channels: [ops-hook]
/// ```
/// Rules get the id `file:<name>` and are read-only in the API; channels get `file:<name>`. A rule may
/// notify only channels declared in the same file.
package struct RulesFile: Sendable, Equatable {
    /// The project to load into (nil: the default project).
    package var project: String?
    /// Declared channels, with their secrets.
    package var channels: [AlertChannel]
    /// The rules, `source == .file`.
    package var rules: [AlertRule]
    /// The line of each channel's definition, by channel id (for start-up errors).
    package var channelLines: [String: Int] = [:]
    /// The line of each rule's definition, by rule id (for start-up errors).
    package var ruleLines: [String: Int] = [:]

    /// The id of a file rule or file channel named `name`.
    package static func id(_ name: String) -> String { "file:\(name)" }

    /// Reads and validates the file at `path`; `${NAME}` values come from `environment`.
    package static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(RulesFileError) -> RulesFile {
        let file = (path as NSString).lastPathComponent
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "it is not readable UTF-8 text" : "no such file"
            throw RulesFileError(file: file, problems: [.init(line: nil, context: nil, field: nil, message: "cannot read the rules file (\(reason))")])
        }
        return try parse(text, file: file, environment: environment)
    }

    /// Validates the text of a rules file named `file` (used in messages).
    package static func parse(_ text: String, file: String, environment: [String: String] = [:]) throws(RulesFileError) -> RulesFile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw RulesFileError(file: file, problems: [syntaxProblem(error)])
        }
        var reader = DefinitionReader(environment: environment)
        let result = read(root, reader: &reader)
        guard reader.problems.isEmpty, let result else {
            throw RulesFileError(file: file, problems: reader.problems)
        }
        return result
    }

    private static func read(_ root: Node?, reader: inout DefinitionReader) -> RulesFile? {
        guard let root else { return RulesFile(project: nil, channels: [], rules: []) }
        guard let fields = reader.fields(root, path: nil, what: "the rules file", allowed: ["project", "channels", "rules"]) else {
            return nil
        }
        let project = fields["project"].flatMap { reader.string($0, "project") }
        var channels: [ChannelDefinition] = []
        for (index, node) in list(fields["channels"], "channels", reader: &reader).enumerated() {
            guard let channel = reader.channel(node, ordinal: index + 1, secretAllowed: true) else { continue }
            if let earlier = channels.first(where: { $0.name == channel.name }) {
                reader.report(node, field: "name", "name is already used by the channel on line \(earlier.line ?? 0)")
            } else {
                channels.append(channel)
            }
        }
        var rules: [AlertRule] = []
        var ruleLines: [String: Int] = [:]
        for (index, node) in list(fields["rules"], "rules", reader: &reader).enumerated() {
            guard let rule = reader.rule(node, ordinal: index + 1) else { continue }
            if let earlier = ruleLines[rule.name] {
                reader.report(node, field: "name", "name is already used by the rule on line \(earlier)")
                continue
            }
            ruleLines[rule.name] = rule.line ?? 0
            var channelIDs: [String] = []
            for reference in rule.channels {
                if channels.contains(where: { $0.name == reference.name }) {
                    channelIDs.append(id(reference.name))
                } else {
                    let problem = "channels: no channel named \"\(reference.name)\" is declared in this file"
                    reader.report(line: reference.line, field: "channels", problem)
                }
            }
            rules.append(rule.rule(id: id(rule.name), channelIDs: channelIDs, source: .file))
        }
        reader.context = nil
        var lines: [String: Int] = [:]
        for channel in channels { lines[id(channel.name)] = channel.line }
        return RulesFile(
            project: project, channels: channels.map { $0.channel(id: id($0.name)) }, rules: rules, channelLines: lines,
            ruleLines: Dictionary(uniqueKeysWithValues: ruleLines.map { (id($0.key), $0.value) })
        )
    }

    /// The items of a top-level list (`channels`, `rules`); nothing when absent or null.
    private static func list(_ node: Node?, _ field: String, reader: inout DefinitionReader) -> [Node] {
        guard let node, !reader.nullable(node) else { return [] }
        guard case let .sequence(sequence) = node else {
            reader.report(node, field: field, "\(field) must be a list")
            return []
        }
        return Array(sequence)
    }

    /// A YAML/JSON syntax error as a problem at its line.
    static func syntaxProblem(_ error: any Error) -> RulesFileProblem {
        guard let error = error as? YamlError else {
            return .init(line: nil, context: nil, field: nil, message: "not valid YAML or JSON")
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let detail = context.map { "\(problem) \($0.text)" } ?? problem
            return .init(line: mark.line, context: nil, field: nil, message: "not valid YAML or JSON: \(detail)")
        case let .reader(problem, _, _, _):
            return .init(line: nil, context: nil, field: nil, message: "not valid YAML or JSON: \(problem)")
        default:
            return .init(line: nil, context: nil, field: nil, message: "not valid YAML or JSON")
        }
    }
}
