/// Whether and how request/response payloads are captured: redacted, size-capped `JSONValue`s.
///
/// A payload whose redacted JSON is over ``maxBytes`` is stored as
/// `{"$truncated": true, "originalBytes": N, "preview": "<head of the redacted JSON text>"}`.
public struct PayloadPolicy: Sendable {
    /// Default cap per payload: 16 KiB.
    public static let defaultMaxBytes = 16 * 1024

    /// Whether payloads are captured at all (`--no-payloads` turns it off).
    public var capture: Bool
    /// Cap on one payload's JSON text, in bytes.
    public var maxBytes: Int
    /// Applied before the cap.
    public var redactor: Redactor

    /// A policy; the default captures payloads with the standard redactor and a 16 KiB cap.
    public init(capture: Bool = true, maxBytes: Int = PayloadPolicy.defaultMaxBytes, redactor: Redactor = .standard) {
        self.capture = capture
        self.maxBytes = max(0, maxBytes)
        self.redactor = redactor
    }

    /// Capture switched off: every request/response payload is nil.
    public static let off = PayloadPolicy(capture: false)

    /// Decodes, redacts and caps one payload; nil when capture is off or nothing is usable.
    ///
    /// - Parameters:
    ///   - bytes: the raw JSON of `params`, `result` or `error`.
    ///   - complete: false when `bytes` is only the head of the payload (truncated line).
    ///   - originalBytes: the payload's full size when known to be larger than `bytes`.
    public func payload(_ bytes: UnsafeRawBufferPointer, complete: Bool = true, originalBytes: Int? = nil) -> JSONValue? {
        guard capture else { return nil }
        let original = max(originalBytes ?? bytes.count, bytes.count)
        if complete && bytes.count <= maxBytes, let redacted = try? JSONValue(parsing: bytes, redactingWith: redactor) {
            // Re-serializing can grow the text (escapes, "[REDACTED]", expanded exponents) but
            // by less than 4x, so small payloads skip the size check.
            if bytes.count &* 4 <= maxBytes { return redacted }
            var text: [UInt8] = []
            redacted.writeJSON(into: &text)
            if text.count <= maxBytes { return redacted }
            return truncatedMarker(originalBytes: original, redactedText: text)
        }
        // Over the cap (or cut short): only the head is needed for the preview.
        let headCount = min(bytes.count, maxBytes &+ 4096)
        let head = UnsafeRawBufferPointer(rebasing: bytes[0..<headCount])
        var text: [UInt8] = []
        if let value = JSONValue.parsePrefix(head, redactingWith: redactor) {
            value.writeJSON(into: &text)
        }
        return truncatedMarker(originalBytes: original, redactedText: text)
    }

    /// Captures a payload held in an array (tests, off-path callers).
    public func payload(_ bytes: [UInt8]) -> JSONValue? {
        bytes.withUnsafeBytes { payload($0) }
    }

    private func truncatedMarker(originalBytes: Int, redactedText: [UInt8]) -> JSONValue {
        let limit = max(0, maxBytes - 128)
        return .object([
            "$truncated": .bool(true),
            "originalBytes": .number(Double(originalBytes)),
            "preview": .string(PayloadPolicy.utf8Prefix(redactedText, maxBytes: limit)),
        ])
    }

    /// The longest prefix of `bytes` of at most `maxBytes` that does not cut a UTF-8 sequence.
    package static func utf8Prefix(_ bytes: [UInt8], maxBytes: Int) -> String {
        guard bytes.count > maxBytes else { return String(decoding: bytes, as: UTF8.self) }
        var cut = max(0, maxBytes)
        while cut > 0 && bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
        return String(decoding: bytes[0..<cut], as: UTF8.self)
    }
}
