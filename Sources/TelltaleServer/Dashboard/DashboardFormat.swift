import Foundation
import TelltaleCore

/// How numbers, rates, latencies and times are written on dashboard pages.
enum DashboardFormat {
    /// `1,234,567`.
    static func count(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    /// `1 call`, `2,345 calls`.
    static func counted(_ value: Int, _ noun: String) -> String {
        "\(count(value)) \(noun)\(value == 1 ? "" : "s")"
    }

    /// `12.3%` (`0%` for zero, two decimals under 1%).
    static func percent(_ rate: Double) -> String {
        let value = rate * 100
        if value == 0 { return "0%" }
        if value < 1 { return String(format: "%.2f%%", value) }
        return String(format: "%.1f%%", value)
    }

    /// `850 µs`, `12.3 ms`, `1.24 s`; `–` when nil.
    static func milliseconds(_ value: Double?) -> String {
        guard let value else { return "–" }
        if value < 1 { return String(format: "%.0f µs", value * 1000) }
        if value < 100 { return String(format: "%.1f ms", value) }
        if value < 1000 { return String(format: "%.0f ms", value) }
        return String(format: "%.2f s", value / 1000)
    }

    /// A length of time: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
    static func duration(_ seconds: TimeInterval) -> String {
        let total = Int(seconds.rounded())
        func join(_ major: Int, _ majorUnit: String, _ minor: Int, _ minorUnit: String) -> String {
            minor == 0 ? "\(major) \(majorUnit)" : "\(major) \(majorUnit) \(minor) \(minorUnit)"
        }
        if total < 60 { return "\(total) s" }
        if total < 3600 { return join(total / 60, "min", total % 60, "s") }
        if total < 86400 { return join(total / 3600, "h", total % 3600 / 60, "min") }
        return join(total / 86400, "d", total % 86400 / 3600, "h")
    }

    /// `2026-11-25 12:34:56 UTC`.
    static func timestamp(_ date: Date) -> String {
        let text = RFC3339.string(date)
        return String(text.prefix(19)).replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    /// `12:34` or `11-25 12:34` (with the day when the range is longer than a day).
    static func axisTime(_ date: Date, longRange: Bool) -> String {
        let text = RFC3339.string(date)
        let start = text.index(text.startIndex, offsetBy: longRange ? 5 : 11)
        let end = text.index(text.startIndex, offsetBy: 16)
        return String(text[start..<end]).replacingOccurrences(of: "T", with: " ")
    }

    /// `3 min ago`, `2 h ago`, `just now` relative to `now`.
    static func ago(_ date: Date?, now: Date) -> String {
        guard let date else { return "–" }
        let seconds = now.timeIntervalSince(date)
        if seconds < 5 { return "just now" }
        if seconds < 60 { return "\(Int(seconds)) s ago" }
        if seconds < 3600 { return "\(Int(seconds / 60)) min ago" }
        if seconds < 86400 { return "\(Int(seconds / 3600)) h ago" }
        return "\(Int(seconds / 86400)) d ago"
    }

    /// `name version` or `name`, `–` when unknown.
    static func peer(_ peer: PeerInfo?) -> String {
        guard let peer else { return "–" }
        return peer.version.map { "\(peer.name) \($0)" } ?? peer.name
    }

    /// A p-value: `0.003`, `< 0.001`.
    static func pValue(_ value: Double) -> String {
        value < 0.001 ? "< 0.001" : String(format: "%.3f", value)
    }
}
