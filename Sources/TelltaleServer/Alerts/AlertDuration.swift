import Foundation

/// Durations in rules files and the alerts API: `30s`, `5m`, `1h`, `1d`, combined like `1h30m`, or a
/// number of seconds.
package enum AlertDuration {
    private static let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]

    /// The seconds in `text` (`90s`, `5m`, `1h30m`, `300`), or nil when it is not a duration.
    package static func seconds(_ text: String) -> Int? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let plain = Int(text) { return plain >= 0 ? plain : nil }
        var total = 0
        var digits = ""
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if let unit = units[character], let value = Int(digits) {
                let (product, overflow) = value.multipliedReportingOverflow(by: unit)
                guard !overflow, total <= Int.max - product else { return nil }
                total += product
                digits = ""
            } else {
                return nil
            }
        }
        return digits.isEmpty && !text.isEmpty ? total : nil
    }

    /// The shortest form of `seconds`: `45s`, `5m`, `1h30m`, `2d`.
    package static func format(_ seconds: Int) -> String {
        if seconds == 0 { return "0s" }
        var rest = seconds
        var text = ""
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }
}
