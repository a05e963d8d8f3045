/// Which peer wrote the bytes being captured.
public enum MessageSource: Sendable, Equatable {
    /// The MCP client (on stdio: the wrapper's stdin).
    case client
    /// The MCP server (on stdio: the child's stdout).
    case server
}

extension MessageSource {
    /// The direction of a request (or notification) this peer sends.
    package var requestDirection: CallDirection { self == .client ? .toServer : .toClient }
}

/// Settings of one capture session.
public struct CaptureOptions: Sendable {
    /// Tags stamped on every Call (`--tag key=value`).
    public var tags: [String: String]
    /// Payload capture, redaction and cap.
    public var payloads: PayloadPolicy
    /// After this long without an outcome, a request is recorded as `noResponse`.
    public var requestTimeout: Duration
    /// Stamped on every Call (`stdio` for ``StdioCaptureSession``).
    public var transport: CallTransport
    /// Bytes of one line kept at most (the rest is counted, not kept).
    public var maxLineBytes: Int

    /// Options with the documented defaults (payloads captured, 16 KiB cap, 300 s timeout).
    public init(
        tags: [String: String] = [:],
        payloads: PayloadPolicy = PayloadPolicy(),
        requestTimeout: Duration = .seconds(300),
        transport: CallTransport = .stdio,
        maxLineBytes: Int = LineFramer.defaultMaxLineBytes
    ) {
        self.tags = tags
        self.payloads = payloads
        self.requestTimeout = requestTimeout
        self.transport = transport
        self.maxLineBytes = maxLineBytes
    }

    /// ``requestTimeout`` in nanoseconds (saturating).
    package var requestTimeoutNs: UInt64 { requestTimeout.nonNegativeNanoseconds }
}
