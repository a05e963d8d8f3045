/// Settings of HTTP capture: the capture options of every session plus the header rules.
///
/// Headers are never stored, except the values of `--context-header` mappings; mapping a
/// credential header (``credentialHeaders``) or a `--redact-header` is refused at construction.
public struct HTTPCaptureOptions: Sendable {
    /// Headers whose values are never stored, whatever the flags say.
    public static let credentialHeaders = ["Authorization", "Cookie", "Set-Cookie", "Proxy-Authorization", "X-Api-Key"]
    /// Default idle time after which a session with nothing open is forgotten: 15 minutes.
    public static let defaultSessionIdleTimeout: Duration = .seconds(15 * 60)

    /// Tags, payload policy, request timeout and body cap (`maxLineBytes`) of every session;
    /// `transport` is set per session (`http` or `sse`).
    public var capture: CaptureOptions
    /// Request headers copied into Call tags.
    public private(set) var contextHeaders: [ContextHeaderMapping]
    /// Extra header names that are never stored (`--redact-header`).
    public private(set) var redactHeaders: [String]
    /// A session tracker idle this long with no open request and no open exchange is evicted.
    public var sessionIdleTimeout: Duration
    /// Sessions kept at most before their idle time is up: beyond it, each tick
    /// evicts the least recently active sessions with nothing open (sessionless traffic grouped by
    /// trace id can otherwise make one session per request).
    public var maxSessions: Int
    /// Default ``maxSessions``: 50,000.
    public static let defaultMaxSessions = 50_000

    /// Validated options.
    ///
    /// - Throws: ``HTTPCaptureOptionsError`` when a mapping names a credential header or a
    ///   redact-header, or a name is not a valid header field name.
    public init(
        capture: CaptureOptions = CaptureOptions(transport: .http),
        contextHeaders: [ContextHeaderMapping] = [],
        redactHeaders: [String] = [],
        sessionIdleTimeout: Duration = HTTPCaptureOptions.defaultSessionIdleTimeout
    ) throws(HTTPCaptureOptionsError) {
        for name in redactHeaders where !HTTPCaptureOptions.isToken(name) {
            throw .malformedRedactHeader(name)
        }
        let neverStored = Set((HTTPCaptureOptions.credentialHeaders + redactHeaders).map { $0.lowercased() })
        for mapping in contextHeaders {
            guard HTTPCaptureOptions.isToken(mapping.header), !mapping.tag.isEmpty else {
                throw .malformedContextHeader("\(mapping.header)=\(mapping.tag)")
            }
            if neverStored.contains(mapping.header.lowercased()) { throw .sensitiveContextHeader(mapping.header) }
        }
        self.capture = capture
        self.contextHeaders = contextHeaders
        self.redactHeaders = redactHeaders
        self.sessionIdleTimeout = sessionIdleTimeout
        self.maxSessions = HTTPCaptureOptions.defaultMaxSessions
    }

    /// Validated options from the CLI strings: `--context-header Header=tag` specs and
    /// `--redact-header` names.
    public init(
        capture: CaptureOptions = CaptureOptions(transport: .http),
        contextHeaderSpecs: [String],
        redactHeaders: [String] = [],
        sessionIdleTimeout: Duration = HTTPCaptureOptions.defaultSessionIdleTimeout
    ) throws(HTTPCaptureOptionsError) {
        var mappings: [ContextHeaderMapping] = []
        for spec in contextHeaderSpecs {
            guard let mapping = ContextHeaderMapping(spec: spec) else { throw .malformedContextHeader(spec) }
            mappings.append(mapping)
        }
        try self.init(capture: capture, contextHeaders: mappings, redactHeaders: redactHeaders,
                      sessionIdleTimeout: sessionIdleTimeout)
    }

    /// Every header name whose value is never stored (lower case).
    public var neverStoredHeaders: Set<String> {
        Set((HTTPCaptureOptions.credentialHeaders + redactHeaders).map { $0.lowercased() })
    }

    /// Tags from the request's headers, per ``contextHeaders`` (first value of each header).
    package func contextTags(_ headers: HTTPFields) -> [String: String] {
        var tags: [String: String] = [:]
        for mapping in contextHeaders {
            if let value = headers[mapping.header] { tags[mapping.tag] = value }
        }
        return tags
    }

    /// ``sessionIdleTimeout`` in nanoseconds (saturating, at least 0).
    package var sessionIdleTimeoutNs: UInt64 { sessionIdleTimeout.nonNegativeNanoseconds }

    /// Whether `name` is an RFC 9110 token (a valid header field name).
    package static func isToken(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }
}
