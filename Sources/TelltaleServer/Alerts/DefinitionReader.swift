import Foundation
import Yams

/// Reads alert definitions out of a YAML (or JSON) node tree, collecting every problem with its line.
///
/// Shared by the rules file and the alerts API, so both accept the same shapes and explain mistakes the
/// same way. Strings may use `${NAME}` to take a value from the environment (for secrets).
package struct DefinitionReader {
    /// What was found wrong so far, in document order.
    package private(set) var problems: [RulesFileProblem] = []
    /// The definition being read, e.g. `rule "slow-search"`.
    package var context: String?
    let environment: [String: String]

    package init(environment: [String: String] = [:]) {
        self.environment = environment
    }

    /// Records a problem at `node`'s line.
    package mutating func report(_ node: Node?, field: String?, _ message: String) {
        problems.append(RulesFileProblem(line: node?.mark?.line, context: context, field: field, message: message))
    }

    /// Records a problem at `line`.
    package mutating func report(line: Int?, field: String?, _ message: String) {
        problems.append(RulesFileProblem(line: line, context: context, field: field, message: message))
    }

    /// `parent.key`, or `key` at the top.
    static func path(_ parent: String?, _ key: String) -> String {
        parent.map { "\($0).\(key)" } ?? key
    }

    /// The entries of a mapping, by key; reports a non-mapping, duplicate keys and keys not in `allowed`.
    /// - Parameter path: the mapping's field path (nil: the definition itself); `what` names it in messages.
    package mutating func fields(_ node: Node, path: String?, what: String, allowed: [String]) -> [String: Node]? {
        guard case let .mapping(mapping) = node else {
            report(node, field: path, "\(path ?? what) must be a mapping of keys to values")
            return nil
        }
        var entries: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard case let .scalar(key) = keyNode else {
                report(keyNode, field: path, "keys of \(path ?? what) must be plain names")
                continue
            }
            let name = key.string
            if entries[name] != nil {
                report(keyNode, field: Self.path(path, name), "duplicate key \"\(name)\" in \(path ?? what)")
            } else if !allowed.contains(name) {
                let expected = allowed.sorted().joined(separator: ", ")
                report(keyNode, field: Self.path(path, name), "unknown key \"\(name)\" in \(path ?? what) (expected one of: \(expected))")
            } else {
                entries[name] = value
            }
        }
        return entries
    }

    /// A non-empty string, with `${NAME}` replaced from the environment.
    package mutating func string(_ node: Node, _ field: String) -> String? {
        guard case let .scalar(scalar) = node, !Self.isNull(scalar) else {
            report(node, field: field, "\(field) must be a string")
            return nil
        }
        guard let value = substitute(scalar.string, node: node, field: field) else { return nil }
        guard !value.isEmpty else {
            report(node, field: field, "\(field) must not be empty")
            return nil
        }
        return value
    }

    /// A list of strings; a single string counts as a list of one.
    package mutating func strings(_ node: Node, _ field: String) -> [String]? {
        switch node {
        case .scalar:
            return string(node, field).map { [$0] }
        case let .sequence(sequence):
            var values: [String] = []
            for item in sequence {
                guard let value = string(item, field) else { return nil }
                values.append(value)
            }
            return values
        default:
            report(node, field: field, "\(field) must be a list of strings")
            return nil
        }
    }

    /// A number written as one (not quoted).
    package mutating func number(_ node: Node, _ field: String) -> Double? {
        guard case let .scalar(scalar) = node, scalar.style == .plain, let value = Double(scalar.string), value.isFinite else {
            report(node, field: field, "\(field) must be a number")
            return nil
        }
        return value
    }

    /// A whole number written as one (not quoted).
    package mutating func integer(_ node: Node, _ field: String) -> Int? {
        guard case let .scalar(scalar) = node, scalar.style == .plain, let value = Int(scalar.string) else {
            report(node, field: field, "\(field) must be a whole number")
            return nil
        }
        return value
    }

    /// `true` or `false` (not quoted).
    package mutating func boolean(_ node: Node, _ field: String) -> Bool? {
        guard case let .scalar(scalar) = node, scalar.style == .plain, ["true", "false"].contains(scalar.string) else {
            report(node, field: field, "\(field) must be true or false")
            return nil
        }
        return scalar.string == "true"
    }

    /// A duration: `30s`, `5m`, `1h`, `1h30m`, `1d`, or a number of seconds.
    package mutating func duration(_ node: Node, _ field: String) -> Int? {
        guard case let .scalar(scalar) = node, let seconds = AlertDuration.seconds(scalar.string) else {
            report(node, field: field, "\(field) must be a duration such as 30s, 5m or 1h")
            return nil
        }
        return seconds
    }

    /// A duration within `range`, reported as `window must be at least 60s`.
    package mutating func duration(_ node: Node, _ field: String, in range: ClosedRange<Int>) -> Int? {
        guard let seconds = duration(node, field) else { return nil }
        if seconds < range.lowerBound {
            report(node, field: field, "\(field) must be at least \(AlertDuration.format(range.lowerBound))")
            return nil
        }
        if seconds > range.upperBound {
            report(node, field: field, "\(field) must be at most \(AlertDuration.format(range.upperBound))")
            return nil
        }
        return seconds
    }

    /// Reports a missing required key of a definition at the definition's own node.
    package mutating func missing(_ parent: Node, _ field: String) {
        report(parent, field: field, "\(field) is required")
    }

    /// `~`, `null` or nothing, unquoted.
    static func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// `text` with every `${NAME}` replaced by the environment's value; reports unset names.
    mutating func substitute(_ text: String, node: Node, field: String) -> String? {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                report(node, field: field, "\(field) has a \"${\" without its closing \"}\"")
                return nil
            }
            let name = String(rest[start.upperBound..<end])
            guard Self.isEnvironmentName(name) else {
                report(node, field: field, "\(field) refers to ${\(name)}, which is not a valid environment variable name")
                return nil
            }
            guard let value = environment[name] else {
                report(node, field: field, "\(field) refers to ${\(name)}, which is not set")
                return nil
            }
            result += value
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && CharacterSet.letters.contains(first)) else {
            return false
        }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && CharacterSet.alphanumerics.contains($0)) }
    }
}
