import Foundation
import TelltaleCore

/// A condition as `{"kind": …, …its fields}`, the shape rules are written in.
struct AlertConditionReply: Encodable, Sendable {
    var kind: String
    var abovePercent: Double?
    var minCalls: Int?
    var countToolErrors: Bool?
    var percentile: LatencyPercentile?
    var aboveMs: Double?
    var belowPercent: Double?
    var minBaselineCalls: Int?
    var above: Int?

    init(_ condition: AlertCondition) {
        kind = AlertConditionKind(condition).rawValue
        switch condition {
        case let .errorRate(abovePercent, minCalls, countToolErrors):
            self.abovePercent = abovePercent
            self.minCalls = minCalls
            self.countToolErrors = countToolErrors
        case let .latency(percentile, aboveMs):
            self.percentile = percentile
            self.aboveMs = aboveMs
        case let .throughputCollapse(belowPercent, minBaselineCalls):
            self.belowPercent = belowPercent
            self.minBaselineCalls = minBaselineCalls
        case let .callCount(above):
            self.above = above
        case .deadman:
            break
        }
    }
}
