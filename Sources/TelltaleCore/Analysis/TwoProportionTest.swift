import Foundation

/// A one-sided test of "the first group's error rate is higher than the second group's".
///
/// Used for client release regressions (new version vs previous version) and for hot cells of the error
/// matrix (one client version vs the rest of a tool's traffic). With enough data (every expected cell count
/// of the 2×2 table ≥ 5, the usual textbook rule) it is the pooled two-proportion z-test; otherwise, where the
/// normal approximation is poor, Fisher's exact test (one-sided hypergeometric tail, summed in log space so
/// millions of calls do not overflow; relative precision ~1e-8 at millions of calls).
///
/// ```swift
/// let test = TwoProportionTest(errors: 40, calls: 100, baselineErrors: 10, baselineCalls: 1000)
/// test?.pValue   // ≈ 0: the first group fails significantly more often
/// ```
public struct TwoProportionTest: Codable, Sendable, Equatable {
    /// Which test produced the p-value.
    public enum Method: String, Codable, Sendable, CaseIterable {
        /// Pooled two-proportion z-test (normal approximation).
        case zTest
        /// Fisher's exact test, one-sided.
        case fisherExact
    }

    /// The smallest expected cell count for which the z-test is used.
    public static let minimumExpectedCount = 5.0

    /// The test that ran.
    public var method: Method
    /// The z statistic (positive when the first group's rate is higher); nil for Fisher's test.
    public var z: Double?
    /// One-sided p-value: the probability, if both groups shared one error rate, of the first group having at
    /// least this many errors (Fisher) or a z at least this large (z-test).
    public var pValue: Double

    /// Memberwise, for decoding and tests.
    public init(method: Method, z: Double?, pValue: Double) {
        self.method = method
        self.z = z
        self.pValue = pValue
    }

    /// Tests whether `errors / calls` is significantly higher than `baselineErrors / baselineCalls`.
    ///
    /// Returns nil when either group has no calls (there is nothing to compare) or a count is inconsistent
    /// (negative, or more errors than calls).
    public init?(errors: Int, calls: Int, baselineErrors: Int, baselineCalls: Int) {
        guard calls > 0, baselineCalls > 0, errors >= 0, baselineErrors >= 0,
              errors <= calls, baselineErrors <= baselineCalls else { return nil }
        let n1 = Double(calls), n2 = Double(baselineCalls)
        let total = n1 + n2
        let failures = Double(errors + baselineErrors)
        let successes = total - failures
        let expected = [n1 * failures / total, n1 * successes / total, n2 * failures / total, n2 * successes / total]
        if expected.allSatisfy({ $0 >= Self.minimumExpectedCount }) {
            let pooled = failures / total
            let standardError = (pooled * (1 - pooled) * (1 / n1 + 1 / n2)).squareRoot()
            let z = (Double(errors) / n1 - Double(baselineErrors) / n2) / standardError
            self.init(method: .zTest, z: z, pValue: 0.5 * erfc(z / 2.0.squareRoot()))
        } else {
            let p = Self.fisherUpperTail(
                errors: errors, calls: calls, totalErrors: errors + baselineErrors, totalCalls: calls + baselineCalls
            )
            self.init(method: .fisherExact, z: nil, pValue: p)
        }
    }

    /// Whether the p-value is below `alpha`.
    public func isSignificant(at alpha: Double) -> Bool { pValue < alpha }

    /// P(X ≥ errors) for X hypergeometric: `calls` draws from `totalCalls` items of which `totalErrors` fail.
    static func fisherUpperTail(errors: Int, calls: Int, totalErrors: Int, totalCalls: Int) -> Double {
        let upper = min(calls, totalErrors)
        guard errors <= upper else { return 0 }
        let logDenominator = LogFactorial.choose(totalCalls, calls)
        var terms: [Double] = []
        terms.reserveCapacity(upper - errors + 1)
        for x in errors...upper {
            terms.append(
                LogFactorial.choose(totalErrors, x) + LogFactorial.choose(totalCalls - totalErrors, calls - x)
                    - logDenominator
            )
        }
        // log-sum-exp: the largest term factored out, so tiny tails do not underflow to 0 early.
        let largest = terms.max() ?? -.infinity
        guard largest > -.infinity else { return 0 }
        let sum = terms.reduce(0) { $0 + exp($1 - largest) }
        return min(1, exp(largest + log(sum)))
    }
}
