import Foundation

/// Natural logarithms of factorials and binomial coefficients, exact for small n and by Stirling's series
/// beyond (absolute error below 1e-13), without the global state of C's `lgamma`.
enum LogFactorial {
    /// ln(n!) for n below this come from a table.
    private static let tableSize = 256
    private static let table: [Double] = {
        var values = [0.0]
        values.reserveCapacity(tableSize)
        for n in 1..<tableSize {
            values.append(values[n - 1] + log(Double(n)))
        }
        return values
    }()

    /// ln(n!); n must be ≥ 0.
    static func of(_ n: Int) -> Double {
        precondition(n >= 0, "factorial of a negative number")
        if n < tableSize { return table[n] }
        let x = Double(n)
        let inverse = 1 / x
        let inverse2 = inverse * inverse
        // ln n! = n ln n − n + ½ ln(2πn) + 1/(12n) − 1/(360n³) + 1/(1260n⁵) − …
        let series = inverse * (1.0 / 12 - inverse2 * (1.0 / 360 - inverse2 * (1.0 / 1260)))
        return x * log(x) - x + 0.5 * log(2 * Double.pi * x) + series
    }

    /// ln C(n, k); −∞ when k is outside 0...n.
    static func choose(_ n: Int, _ k: Int) -> Double {
        guard k >= 0, k <= n else { return -.infinity }
        return of(n) - of(k) - of(n - k)
    }
}
