import TelltaleCore
import Yams

/// The names of the condition kinds in rules files and the API.
package enum AlertConditionKind: String, CaseIterable, Sendable {
    case errorRate, latency, throughputCollapse, callCount, deadman

    /// The keys a condition of this kind may have besides `kind`.
    var keys: [String] {
        switch self {
        case .errorRate: ["abovePercent", "minCalls", "countToolErrors"]
        case .latency: ["percentile", "aboveMs"]
        case .throughputCollapse: ["belowPercent", "minBaselineCalls"]
        case .callCount: ["above"]
        case .deadman: []
        }
    }

    /// The kind of `condition`.
    package init(_ condition: AlertCondition) {
        switch condition {
        case .errorRate: self = .errorRate
        case .latency: self = .latency
        case .throughputCollapse: self = .throughputCollapse
        case .callCount: self = .callCount
        case .deadman: self = .deadman
        }
    }
}

extension DefinitionReader {
    /// Default `minCalls` of an error-rate condition.
    static let defaultMinCalls = 10
    /// Default `minBaselineCalls` of a throughput-collapse condition.
    static let defaultMinBaselineCalls = 10

    /// Reads `condition`: `kind` plus that kind's fields.
    mutating func condition(_ node: Node) -> AlertCondition? {
        let kinds = AlertConditionKind.allCases.map(\.rawValue).joined(separator: ", ")
        guard case let .mapping(mapping) = node else {
            report(node, field: "condition", "condition must be a mapping with a kind (one of \(kinds))")
            return nil
        }
        guard let kindNode = mapping["kind"] else {
            missing(node, "condition.kind")
            return nil
        }
        guard let kindName = string(kindNode, "condition.kind") else { return nil }
        guard let kind = AlertConditionKind(rawValue: kindName) else {
            report(kindNode, field: "condition.kind", "condition.kind must be one of \(kinds), got \"\(kindName)\"")
            return nil
        }
        let before = problems.count
        guard let fields = fields(node, path: "condition", what: "condition", allowed: ["kind"] + kind.keys) else { return nil }
        let condition: AlertCondition?
        switch kind {
        case .errorRate:
            let above = required(fields, node, "abovePercent").flatMap { percent($0, "condition.abovePercent") }
            let minCalls = fields["minCalls"].map { count($0, "condition.minCalls", minimum: 1) } ?? Self.defaultMinCalls
            let countToolErrors = fields["countToolErrors"].map { boolean($0, "condition.countToolErrors") } ?? false
            condition = zip3(above, minCalls, countToolErrors).map { values in
                .errorRate(abovePercent: values.0, minCalls: values.1, countToolErrors: values.2)
            }
        case .latency:
            let percentiles = LatencyPercentile.allCases.map(\.rawValue).joined(separator: ", ")
            let percentile = fields["percentile"].map { node -> LatencyPercentile? in
                guard let name = string(node, "condition.percentile") else { return nil }
                guard let percentile = LatencyPercentile(rawValue: name) else {
                    report(node, field: "condition.percentile", "condition.percentile must be one of \(percentiles), got \"\(name)\"")
                    return nil
                }
                return percentile
            } ?? .p95
            let above = required(fields, node, "aboveMs").flatMap { positive($0, "condition.aboveMs") }
            condition = zip3(percentile, above, true).map { values in .latency(percentile: values.0, aboveMs: values.1) }
        case .throughputCollapse:
            let below = fields["belowPercent"].map { percent($0, "condition.belowPercent") } ?? 0
            let baseline = fields["minBaselineCalls"].map { count($0, "condition.minBaselineCalls", minimum: 1) }
                ?? Self.defaultMinBaselineCalls
            condition = zip3(below, baseline, true).map { values in
                .throughputCollapse(belowPercent: values.0, minBaselineCalls: values.1)
            }
        case .callCount:
            let above = required(fields, node, "above").flatMap { count($0, "condition.above", minimum: 0) }
            condition = above.map { .callCount(above: $0) }
        case .deadman:
            condition = .deadman
        }
        return problems.count == before ? condition : nil
    }

    /// A required field of a condition; reports `condition.<key> is required` when absent.
    private mutating func required(_ fields: [String: Node], _ parent: Node, _ key: String) -> Node? {
        guard let node = fields[key] else {
            missing(parent, "condition.\(key)")
            return nil
        }
        return node
    }

    /// A percentage in [0, 100).
    mutating func percent(_ node: Node, _ field: String) -> Double? {
        guard let value = number(node, field) else { return nil }
        guard value >= 0, value < 100 else {
            report(node, field: field, "\(field) must be a percentage from 0 up to (not including) 100")
            return nil
        }
        return value
    }

    /// A number above zero.
    mutating func positive(_ node: Node, _ field: String) -> Double? {
        guard let value = number(node, field) else { return nil }
        guard value > 0 else {
            report(node, field: field, "\(field) must be above 0")
            return nil
        }
        return value
    }

    /// A whole number of at least `minimum`.
    mutating func count(_ node: Node, _ field: String, minimum: Int) -> Int? {
        guard let value = integer(node, field) else { return nil }
        guard value >= minimum else {
            report(node, field: field, "\(field) must be at least \(minimum)")
            return nil
        }
        return value
    }
}

/// The three values when none is nil.
private func zip3<A, B, C>(_ a: A?, _ b: B?, _ c: C?) -> (A, B, C)? {
    guard let a, let b, let c else { return nil }
    return (a, b, c)
}
