import Foundation

/// An extra redaction pattern that is not a valid regular expression.
public struct RedactionPatternError: Error, CustomStringConvertible, Sendable, Equatable {
    public var pattern: String
    public var reason: String

    public var description: String { "invalid --redact-key pattern '\(pattern)': \(reason)" }
}

/// Replaces values under sensitive keys with `"[REDACTED]"`, at any depth.
///
/// The default rule matches keys (case-insensitively, ignoring `-`, `_` and spaces) that contain
/// password, passwd, secret, token, authorization, apikey, cookie, credential, privatekey,
/// sessionid, accesskey, or are `auth`; well-known MCP keys that only look sensitive
/// (`progressToken`, `maxTokens`) are kept. Extra patterns are regular expressions matched
/// case-insensitively anywhere in the key.
public struct Redactor: Sendable {
    /// What a redacted value becomes.
    public static let marker = "[REDACTED]"

    private static let exemptKeys: [StaticString] = ["progresstoken", "maxtokens"]

    private let extraPatterns: [NSRegularExpression]

    /// Creates a redactor with the default rule plus `extraKeyPatterns` (regular expressions).
    public init(extraKeyPatterns: [String] = []) throws(RedactionPatternError) {
        var compiled: [NSRegularExpression] = []
        for pattern in extraKeyPatterns {
            do {
                compiled.append(try NSRegularExpression(pattern: pattern, options: [.caseInsensitive]))
            } catch {
                throw RedactionPatternError(pattern: pattern, reason: "not a valid regular expression")
            }
        }
        self.extraPatterns = compiled
    }

    /// The default redactor (no extra patterns).
    public static let standard: Redactor = Redactor(compiled: [])

    private init(compiled: [NSRegularExpression]) {
        self.extraPatterns = compiled
    }

    /// Whether values under `key` are redacted.
    public func isSensitive(key: String) -> Bool {
        if Redactor.matchesDefaultRule(key) { return true }
        guard !extraPatterns.isEmpty else { return false }
        let range = NSRange(key.startIndex..<key.endIndex, in: key)
        for pattern in extraPatterns where pattern.firstMatch(in: key, options: [], range: range) != nil {
            return true
        }
        return false
    }

    /// The default rule on the key lower-cased with `-`, `_` and spaces removed (ASCII fast path).
    private static func matchesDefaultRule(_ key: String) -> Bool {
        var key = key
        let fast: Bool? = key.withUTF8 { utf8 in
            guard utf8.count <= 256 else { return nil }
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { buffer in
                var count = 0
                for byte in utf8 {
                    switch byte {
                    case 0x2D, 0x5F, 0x20: continue
                    case 0x41...0x5A: buffer[count] = byte | 0x20
                    case 0x80...: return nil
                    default: buffer[count] = byte
                    }
                    count += 1
                }
                return matchesNormalized(UnsafeBufferPointer(rebasing: buffer[0..<count]))
            }
        }
        if let fast { return fast }
        let normalized = Array(key.lowercased().utf8.filter { $0 != 0x2D && $0 != 0x5F && $0 != 0x20 })
        return normalized.withUnsafeBufferPointer { matchesNormalized($0) }
    }

    private static func matchesNormalized(_ normalized: UnsafeBufferPointer<UInt8>) -> Bool {
        if equals(normalized, "auth") { return true }
        for exempt in exemptKeys where equals(normalized, exempt) { return false }
        // One pass over the key; only fragments starting with the current byte are compared.
        for start in normalized.indices {
            let rest = UnsafeBufferPointer(rebasing: normalized[start...])
            let hit: Bool
            switch normalized[start] {
            case 0x61: hit = hasPrefix(rest, "authorization") || hasPrefix(rest, "apikey") || hasPrefix(rest, "accesskey")
            case 0x63: hit = hasPrefix(rest, "cookie") || hasPrefix(rest, "credential")
            case 0x70: hit = hasPrefix(rest, "password") || hasPrefix(rest, "passwd") || hasPrefix(rest, "privatekey")
            case 0x73: hit = hasPrefix(rest, "secret") || hasPrefix(rest, "sessionid")
            case 0x74: hit = hasPrefix(rest, "token")
            default: hit = false
            }
            if hit { return true }
        }
        return false
    }

    private static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard bytes.count >= count, let base = bytes.baseAddress else { return false }
        return memcmp(base, prefix.utf8Start, count) == 0
    }

    private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        bytes.elementsEqual(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Returns `value` with every value under a sensitive key replaced by ``marker``.
    public func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var out: [String: JSONValue] = [:]
            out.reserveCapacity(members.count)
            for (key, member) in members {
                out[key] = isSensitive(key: key) ? .string(Redactor.marker) : redact(member)
            }
            return .object(out)
        case .array(let elements):
            return .array(elements.map(redact))
        default:
            return value
        }
    }
}
