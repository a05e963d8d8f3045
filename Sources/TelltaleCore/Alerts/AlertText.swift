import Foundation

/// Number and duration formats of alert summaries ("12.5%", "1,240 ms", "5 min", "1 h 30 min", "3 calls").
package enum AlertText {
    /// A count with its noun, singular for 1: "1 call", "200 calls".
    package static func count(_ value: Int, _ noun: String) -> String {
        "\(grouped(value)) \(noun)\(value == 1 ? "" : "s")"
    }

    /// Thousands separated by commas: 12,345.
    package static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// A number with at most `decimals` decimals, trailing zeros dropped: 5, 12.5, 0.25.
    package static func number(_ value: Double, decimals: Int = 1) -> String {
        guard value.isFinite else { return "\(value)" }
        let scale = pow(10, Double(decimals))
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return grouped(Int(rounded)) }
        var text = String(format: "%.\(decimals)f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// A percentage: "12.5%"; below 1%, two decimals: "0.25%".
    package static func percent(_ value: Double) -> String {
        number(value, decimals: abs(value) < 1 ? 2 : 1) + "%"
    }

    /// Milliseconds: "1,240 ms", "3.5 ms", "0.25 ms".
    package static func milliseconds(_ value: Double) -> String {
        number(value, decimals: abs(value) >= 100 ? 0 : (abs(value) >= 1 ? 1 : 2)) + " ms"
    }

    /// A duration in whole units: "45 s", "5 min", "1 h 30 min", "2 d", "1 d 6 h".
    package static func duration(seconds: Int) -> String {
        let seconds = max(seconds, 0)
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 {
            return seconds % 60 == 0 ? "\(seconds / 60) min" : "\(seconds / 60) min \(seconds % 60) s"
        }
        if seconds < 86_400 {
            let minutes = (seconds % 3600) / 60
            return minutes == 0 ? "\(seconds / 3600) h" : "\(seconds / 3600) h \(minutes) min"
        }
        let hours = (seconds % 86_400) / 3600
        return hours == 0 ? "\(seconds / 86_400) d" : "\(seconds / 86_400) d \(hours) h"
    }
}
