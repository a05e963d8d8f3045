import Foundation
import Testing
@testable import TelltaleCore

@Suite("Alert measurements and summaries")
struct AlertMeasurementTests {
    static func rule(_ condition: AlertCondition, window: Int = 300) -> AlertRule {
        AlertRule(id: "r", name: "r", condition: condition, windowSeconds: window)
    }

    static func firingSummary(_ condition: AlertCondition, _ counts: AlertWindowCounts, window: Int = 300) -> String {
        let m = AlertMeasurement.measure(condition, counts)
        return AlertEvaluator.summary(.firing, rule: rule(condition, window: window), measurement: m,
                                      previous: AlertRuleState(since: .distantPast), now: .distantPast)
    }

    @Test("error rate: percent of requests, tool errors optional, minCalls, no data")
    func errorRate() {
        let counts = AlertWindowCounts(requests: 200, failed: 25, toolErrors: 15)
        #expect(AlertMeasurement.measure(.errorRate(abovePercent: 5, minCalls: 20, countToolErrors: true), counts)
                == AlertMeasurement(value: 12.5, threshold: 5, breached: true, detail: "25 of 200 calls failed"))
        #expect(AlertMeasurement.measure(.errorRate(abovePercent: 5, minCalls: 20, countToolErrors: false), counts)
                == AlertMeasurement(value: 5, threshold: 5, breached: false, detail: "10 of 200 calls failed"))
        // Exactly at the threshold is not above it; just over is.
        #expect(AlertMeasurement.measure(.errorRate(abovePercent: 4.99, minCalls: 20, countToolErrors: false), counts).breached)
        let few = AlertMeasurement.measure(.errorRate(abovePercent: 5, minCalls: 20, countToolErrors: true), AlertWindowCounts(requests: 1, failed: 1))
        #expect(few == AlertMeasurement(value: 100, threshold: 5, breached: false, detail: "1 of 1 call failed, fewer than the 20 needed"))
        #expect(AlertMeasurement.measure(.errorRate(abovePercent: 5, minCalls: 20, countToolErrors: true), AlertWindowCounts(requests: 20, failed: 2)).breached)
        let none = AlertMeasurement.measure(.errorRate(abovePercent: 5, minCalls: 0, countToolErrors: true), AlertWindowCounts(requests: 0))
        #expect(none.value == nil && !none.breached)
        #expect(Self.firingSummary(.errorRate(abovePercent: 5, minCalls: 20, countToolErrors: true), counts)
                == "Error rate 12.5% (25 of 200 calls failed) above 5% over 5 min.")
    }

    @Test("latency: the chosen percentile against the ceiling; no requests is no data")
    func latency() {
        let counts = AlertWindowCounts(requests: 48, p50Ms: 12, p95Ms: 1240.4, p99Ms: 3000)
        #expect(AlertMeasurement.measure(.latency(percentile: .p95, aboveMs: 800), counts)
                == AlertMeasurement(value: 1240.4, threshold: 800, breached: true, detail: "48 calls"))
        #expect(AlertMeasurement.measure(.latency(percentile: .p50, aboveMs: 800), counts).breached == false)
        #expect(AlertMeasurement.measure(.latency(percentile: .p99, aboveMs: 3000), counts).breached == false)
        #expect(AlertMeasurement.measure(.latency(percentile: .p99, aboveMs: 2999), counts).value == 3000)
        let none = AlertMeasurement.measure(.latency(percentile: .p95, aboveMs: 800), AlertWindowCounts(requests: 0))
        #expect(none == AlertMeasurement(value: nil, threshold: 800, breached: false, detail: "no calls"))
        #expect(Self.firingSummary(.latency(percentile: .p95, aboveMs: 800), counts) == "P95 latency 1,240 ms (48 calls) above 800 ms over 5 min.")
    }

    @Test("throughput collapse: against the preceding window, with a minimum baseline; 0% means none at all")
    func throughputCollapse() {
        let condition = AlertCondition.throughputCollapse(belowPercent: 30, minBaselineCalls: 100)
        #expect(AlertMeasurement.measure(condition, AlertWindowCounts(requests: 29, baselineRequests: 100))
                == AlertMeasurement(value: 29, threshold: 30, breached: true, detail: "100 calls in the preceding window"))
        #expect(AlertMeasurement.measure(condition, AlertWindowCounts(requests: 30, baselineRequests: 100)).breached == false)
        let smallBaseline = AlertMeasurement.measure(condition, AlertWindowCounts(requests: 0, baselineRequests: 99))
        #expect(!smallBaseline.breached && smallBaseline.detail == "99 calls in the preceding window, fewer than the 100 needed")
        let zero = AlertCondition.throughputCollapse(belowPercent: 0, minBaselineCalls: 10)
        #expect(AlertMeasurement.measure(zero, AlertWindowCounts(requests: 0, baselineRequests: 10)).breached)
        #expect(AlertMeasurement.measure(zero, AlertWindowCounts(requests: 1, baselineRequests: 1000)).breached == false)
        #expect(AlertMeasurement.measure(zero, AlertWindowCounts(requests: 0, baselineRequests: nil)).breached == false)
        #expect(Self.firingSummary(condition, AlertWindowCounts(requests: 12, baselineRequests: 400))
                == "Throughput 12 calls over 5 min (400 calls in the preceding window), below 30% of that baseline.")
        #expect(Self.firingSummary(zero, AlertWindowCounts(requests: 0, baselineRequests: 40), window: 3600)
                == "Throughput 0 calls over 1 h (40 calls in the preceding window), fell to zero.")
    }

    @Test("call count: requests above the limit")
    func callCount() {
        #expect(AlertMeasurement.measure(.callCount(above: 20), AlertWindowCounts(requests: 21, notifications: 50))
                == AlertMeasurement(value: 21, threshold: 20, breached: true, detail: "21 calls"))
        #expect(AlertMeasurement.measure(.callCount(above: 20), AlertWindowCounts(requests: 20)).breached == false)
        #expect(Self.firingSummary(.callCount(above: 20), AlertWindowCounts(requests: 1234), window: 3600) == "1,234 calls over 1 h, above 20.")
    }

    @Test("deadman: no requests and no notifications at all")
    func deadman() {
        #expect(AlertMeasurement.measure(.deadman, AlertWindowCounts(requests: 0))
                == AlertMeasurement(value: 0, threshold: 0, breached: true, detail: "0 requests and 0 notifications"))
        #expect(AlertMeasurement.measure(.deadman, AlertWindowCounts(requests: 0, notifications: 1)).breached == false)
        #expect(AlertMeasurement.measure(.deadman, AlertWindowCounts(requests: 1)).breached == false)
        #expect(Self.firingSummary(.deadman, AlertWindowCounts(requests: 0), window: 600) == "No traffic over 10 min (0 requests and 0 notifications).")
        let rule = Self.rule(.deadman, window: 600)
        let back = AlertMeasurement.measure(.deadman, AlertWindowCounts(requests: 3, notifications: 1))
        #expect(AlertEvaluator.summary(.resolved, rule: rule, measurement: back, previous: AlertRuleState(since: .distantPast), now: .distantPast)
                == "Resolved: traffic over 10 min: 3 requests and 1 notification.")
    }

    @Test("number and duration formats")
    func formats() {
        #expect(AlertText.grouped(0) == "0" && AlertText.grouped(999) == "999" && AlertText.grouped(1000) == "1,000")
        #expect(AlertText.grouped(1_234_567) == "1,234,567" && AlertText.grouped(-1500) == "-1,500")
        #expect(AlertText.percent(12.5) == "12.5%" && AlertText.percent(5) == "5%" && AlertText.percent(0.25) == "0.25%")
        #expect(AlertText.percent(33.333) == "33.3%")
        #expect(AlertText.milliseconds(1240.4) == "1,240 ms" && AlertText.milliseconds(3.54) == "3.5 ms" && AlertText.milliseconds(0.125) == "0.13 ms")
        #expect(AlertText.duration(seconds: 45) == "45 s" && AlertText.duration(seconds: 300) == "5 min")
        #expect(AlertText.duration(seconds: 90) == "1 min 30 s" && AlertText.duration(seconds: 5400) == "1 h 30 min")
        #expect(AlertText.duration(seconds: 7200) == "2 h" && AlertText.duration(seconds: 86_400 * 2) == "2 d")
        #expect(AlertText.duration(seconds: 86_400 + 6 * 3600) == "1 d 6 h" && AlertText.duration(seconds: -5) == "0 s")
        #expect(AlertText.count(1, "call") == "1 call" && AlertText.count(2, "call") == "2 calls")
    }
}
