/// One `--context-header Header=tag`: the value of request header `header` becomes Call tag `tag`.
public struct ContextHeaderMapping: Sendable, Equatable {
    /// The request header read (case-insensitive).
    public var header: String
    /// The tag its value is stored under.
    public var tag: String

    /// A mapping (not validated; ``HTTPCaptureOptions`` validates).
    public init(header: String, tag: String) {
        self.header = header
        self.tag = tag
    }

    /// Parses `Header=tag` (surrounding spaces trimmed); nil when either side is empty or the
    /// header is not a valid field name.
    public init?(spec: String) {
        guard let equals = spec.firstIndex(of: "=") else { return nil }
        let header = spec[..<equals].trimmingSpaces
        let tag = spec[spec.index(after: equals)...].trimmingSpaces
        guard HTTPCaptureOptions.isToken(header), !tag.isEmpty else { return nil }
        self.init(header: header, tag: tag)
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
