import Foundation

/// Orders version strings the way people read them: `1.10.0` after `1.9.2`, `2.0.0-beta` before `2.0.0`.
///
/// Versions are split into runs of digits and runs of other characters; digit runs compare as numbers,
/// others as text. A pre-release suffix (`-…`) sorts before the same version without one. Not full semver,
/// but total and stable for any string MCP clients send.
public enum VersionOrder {
    /// Whether `lhs` is an older version than `rhs`.
    public static func isOrderedBefore(_ lhs: String, _ rhs: String) -> Bool {
        compare(lhs, rhs) < 0
    }

    /// −1, 0 or 1 as `lhs` is older than, the same as, or newer than `rhs`.
    public static func compare(_ lhs: String, _ rhs: String) -> Int {
        let (leftCore, leftPre) = split(lhs)
        let (rightCore, rightPre) = split(rhs)
        let core = compareParts(parts(leftCore), parts(rightCore))
        if core != 0 { return core }
        switch (leftPre, rightPre) {
        case (nil, nil): return lhs < rhs ? -1 : (lhs > rhs ? 1 : 0)
        case (nil, _): return 1
        case (_, nil): return -1
        case let (left?, right?):
            let pre = compareParts(parts(left), parts(right))
            return pre != 0 ? pre : (lhs < rhs ? -1 : (lhs > rhs ? 1 : 0))
        }
    }

    private enum Part: Equatable {
        case number(UInt64, String)
        case text(String)
    }

    private static func split(_ version: String) -> (Substring, Substring?) {
        guard let dash = version.firstIndex(of: "-") else { return (version[...], nil) }
        return (version[..<dash], version[version.index(after: dash)...])
    }

    private static func parts(_ text: Substring) -> [Part] {
        var parts: [Part] = []
        var current = ""
        var inDigits = false
        func flush() {
            guard !current.isEmpty else { return }
            parts.append(inDigits ? .number(UInt64(current) ?? .max, current) : .text(current))
            current = ""
        }
        for character in text {
            if character == "." {
                flush()
                continue
            }
            let isDigit = character.isASCII && character.isNumber
            if isDigit != inDigits { flush() }
            inDigits = isDigit
            current.append(character)
        }
        flush()
        return parts
    }

    private static func compareParts(_ left: [Part], _ right: [Part]) -> Int {
        for (l, r) in zip(left, right) {
            switch (l, r) {
            case let (.number(a, _), .number(b, _)) where a != b: return a < b ? -1 : 1
            case let (.text(a), .text(b)) where a != b: return a < b ? -1 : 1
            case (.number, .text): return 1
            case (.text, .number): return -1
            default: continue
            }
        }
        return left.count == right.count ? 0 : (left.count < right.count ? -1 : 1)
    }
}
