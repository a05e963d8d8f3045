import Foundation

extension AlertRule {
    /// What the rule measures and when it fires — scope, condition, window and `for` — as a stable string.
    ///
    /// Stored with the rule's state: when it differs at the next evaluation, the rule was edited, and a
    /// `pending` or `firing` state left by the old definition is closed instead of carried over.
    /// The name, channels, re-notification interval and `enabled` are left out: changing them does not change
    /// what a firing alert means.
    public var fingerprint: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let definition = Definition(scope: scope, condition: condition, windowSeconds: windowSeconds, forSeconds: forSeconds)
        // Encoding plain Codable values with string keys and numbers cannot fail.
        guard let data = try? encoder.encode(definition) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    private struct Definition: Encodable {
        var scope: AlertScope
        var condition: AlertCondition
        var windowSeconds: Int
        var forSeconds: Int
    }
}
