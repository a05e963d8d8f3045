import Foundation
import Testing
@testable import TelltaleCore

/// Reference values computed with SciPy 1.17: `scipy.stats.norm.sf(z)` for the pooled z-test and
/// `scipy.stats.fisher_exact(table, alternative="greater")` for Fisher's test.
@Suite struct TwoProportionTestTests {
    struct Case: Sendable, CustomStringConvertible {
        var errors: Int, calls: Int, baselineErrors: Int, baselineCalls: Int
        var method: TwoProportionTest.Method
        var z: Double?
        var p: Double
        var description: String { "\(errors)/\(calls) vs \(baselineErrors)/\(baselineCalls)" }
    }

    static let zCases: [Case] = [
        Case(errors: 45, calls: 500, baselineErrors: 25, baselineCalls: 500, method: .zTest, z: 2.478788664079177, p: 0.00659146950275849),
        Case(errors: 130, calls: 1000, baselineErrors: 100, baselineCalls: 1000, method: .zTest, z: 2.102740605622114, p: 0.017744225233237355),
        Case(errors: 300, calls: 20000, baselineErrors: 200, baselineCalls: 20000, method: .zTest, z: 4.500351603704095, p: 3.3920576259067306e-06),
        Case(errors: 30, calls: 200, baselineErrors: 20, baselineCalls: 200, method: .zTest, z: 1.5118578920369083, p: 0.06528500905786819),
        Case(errors: 60, calls: 1000, baselineErrors: 50, baselineCalls: 1000, method: .zTest, z: 0.980816477227499, p: 0.16334162562060273),
        Case(errors: 5, calls: 50, baselineErrors: 5, baselineCalls: 50, method: .zTest, z: 0, p: 0.5),
        // Lower rate than the baseline: one-sided, so p is large.
        Case(errors: 10, calls: 100, baselineErrors: 20, baselineCalls: 100, method: .zTest, z: -1.9802950859533488, p: 0.9761648096719193),
    ]

    static let fisherCases: [Case] = [
        // 100 × 50 / 1100 = 4.5 expected errors in the first group: below 5, so Fisher.
        Case(errors: 40, calls: 100, baselineErrors: 10, baselineCalls: 1000, method: .fisherExact, p: 2.949661912275026e-36),
        Case(errors: 3, calls: 10, baselineErrors: 1, baselineCalls: 20, method: .fisherExact, p: 0.09523809523809522),
        Case(errors: 5, calls: 20, baselineErrors: 0, baselineCalls: 20, method: .fisherExact, p: 0.023562023562023564),
        Case(errors: 2, calls: 1000, baselineErrors: 1, baselineCalls: 100_000, method: .fisherExact, p: 0.00029186221677011243),
        Case(errors: 4, calls: 40, baselineErrors: 10, baselineCalls: 2000, method: .fisherExact, p: 0.00011027712716276742),
        Case(errors: 7, calls: 7, baselineErrors: 0, baselineCalls: 3, method: .fisherExact, p: 0.008333333333333333),
        Case(errors: 1, calls: 5, baselineErrors: 4, baselineCalls: 5, method: .fisherExact, p: 0.996031746031746),
        Case(errors: 3, calls: 1_000_000, baselineErrors: 2, baselineCalls: 3_000_000, method: .fisherExact, p: 0.10351549311894652),
        Case(errors: 20, calls: 30, baselineErrors: 60, baselineCalls: 4000, method: .fisherExact, p: 1.837986885906504e-28),
        Case(errors: 12, calls: 200, baselineErrors: 5, baselineCalls: 10_000, method: .fisherExact, p: 1.3184629117449306e-17),
        Case(errors: 0, calls: 10, baselineErrors: 0, baselineCalls: 10, method: .fisherExact, p: 1),
    ]

    @Test(arguments: zCases + fisherCases)
    func matchesSciPy(_ c: Case) throws {
        let test = try #require(
            TwoProportionTest(errors: c.errors, calls: c.calls, baselineErrors: c.baselineErrors, baselineCalls: c.baselineCalls)
        )
        #expect(test.method == c.method)
        if let z = c.z {
            let computed = try #require(test.z)
            #expect(abs(computed - z) < 1e-9, "z \(computed) vs \(z)")
        } else {
            #expect(test.z == nil)
        }
        // Log factorials of millions carry ~1e-8 absolute error in a Double, hence 1e-7 relative.
        #expect(abs(test.pValue - c.p) <= 1e-7 * c.p + 1e-15, "p \(test.pValue) vs \(c.p)")
    }

    @Test func usesZOnlyWhenEveryExpectedCellIsAtLeastFive() throws {
        // 50 errors in 1000 + 1000 calls: expected errors 25 per group → z.
        #expect(TwoProportionTest(errors: 30, calls: 1000, baselineErrors: 20, baselineCalls: 1000)?.method == .zTest)
        // Every call failed in both groups: expected successes are 0 → Fisher, and p = 1.
        let allFailed = try #require(TwoProportionTest(errors: 50, calls: 50, baselineErrors: 60, baselineCalls: 60))
        #expect(allFailed.method == .fisherExact)
        #expect(allFailed.pValue == 1)
    }

    @Test func rejectsEmptyOrInconsistentGroups() {
        #expect(TwoProportionTest(errors: 0, calls: 0, baselineErrors: 1, baselineCalls: 10) == nil)
        #expect(TwoProportionTest(errors: 1, calls: 10, baselineErrors: 0, baselineCalls: 0) == nil)
        #expect(TwoProportionTest(errors: 11, calls: 10, baselineErrors: 0, baselineCalls: 10) == nil)
        #expect(TwoProportionTest(errors: -1, calls: 10, baselineErrors: 0, baselineCalls: 10) == nil)
    }

    @Test func significanceThreshold() throws {
        let test = try #require(TwoProportionTest(errors: 45, calls: 500, baselineErrors: 25, baselineCalls: 500))
        #expect(test.isSignificant(at: 0.01))
        #expect(!test.isSignificant(at: 0.005))
    }

    @Test func logFactorialMatchesDirectSumsAcrossTheTableBoundary() {
        for n in [0, 1, 2, 10, 255, 256, 257, 1000, 123_456] {
            let direct = (1...max(n, 1)).reduce(0.0) { $0 + log(Double($1)) }
            #expect(abs(LogFactorial.of(n) - direct) < 1e-9 * max(1, direct), "ln \(n)!")
        }
        #expect(LogFactorial.choose(5, 6) == -.infinity)
        #expect(abs(LogFactorial.choose(10, 3) - log(120.0)) < 1e-12)
    }
}
