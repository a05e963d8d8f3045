/// Why HTTP capture options were refused.
public enum HTTPCaptureOptionsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A `--context-header` spec that is not `Header=tag`.
    case malformedContextHeader(String)
    /// A `--context-header` naming a credential header or a `--redact-header`: its values would be stored.
    case sensitiveContextHeader(String)
    /// A `--redact-header` that is not a valid header name.
    case malformedRedactHeader(String)

    public var description: String {
        switch self {
        case .malformedContextHeader(let spec):
            "invalid --context-header '\(spec)': expected Header=tag (a header name, '=', a tag name)"
        case .sensitiveContextHeader(let header):
            "--context-header '\(header)' is refused: the values of this header are never stored"
        case .malformedRedactHeader(let name):
            "invalid --redact-header '\(name)': expected a header name"
        }
    }
}
