import Foundation
import TelltaleCapture
import TelltaleCore

/// Settings of a ``Telltale`` monitor: where calls go, what they carry, and the `beforeSend` hook.
///
/// Only the collector is needed; it comes from ``endpoint``/``apiKey`` or, when those are nil, from the
/// `TELLTALE_ENDPOINT`/`TELLTALE_API_KEY` environment variables (arguments win). Without an endpoint
/// and a key, monitoring is disabled with one log line and the transport only forwards.
public struct TelltaleOptions: Sendable {
    /// Base URL of the collector, e.g. `http://127.0.0.1:7340`; nil: `TELLTALE_ENDPOINT`.
    public var endpoint: URL?
    /// Ingest key (`tt_ingest_…`); nil: `TELLTALE_API_KEY`.
    public var apiKey: String?
    /// Tags stamped on every Call (environment, region …).
    public var tags: [String: String]
    /// Extra key patterns (regular expressions, case-insensitive) whose values are redacted, on top of
    /// the default rule (password, token, secret, authorization …).
    public var redactKeys: [String]
    /// Whether request/response payloads are captured (redacted, capped at ``maxPayloadBytes``).
    public var capturePayloads: Bool
    /// Cap on one captured payload's JSON text, in bytes (16 KiB by default).
    public var maxPayloadBytes: Int
    /// Called on each Call before it is queued for delivery: return it (changed or not) to send it,
    /// nil to drop it. Runs on Telltale's background task, never on the transport's path. A thrown
    /// error sends the call unchanged (reported once).
    public var beforeSend: (@Sendable (Call) throws -> Call?)?
    /// The transport named on every Call; nil: `stdio` for `StdioTransport`, `http` for the HTTP
    /// transports of swift-sdk, `memory` for anything else (in-memory pairs, custom transports).
    public var transport: CallTransport?
    /// A request open for this long is recorded as `noResponse`.
    public var requestTimeout: Duration
    /// How long ``MonitoredTransport/disconnect()`` waits for the last calls to be delivered.
    public var flushTimeout: Duration
    /// Frames waiting to be observed at most; beyond it frames are not observed (counted), never blocked.
    public var maxQueuedFrames: Int
    /// Where the shipper spools while the collector is away; nil: the shipper's default folder per endpoint.
    public var spoolDirectory: URL?
    /// Receives Telltale's few log lines (disabled, late attach, collector unreachable …). Default: stderr.
    public var log: @Sendable (String) -> Void
    /// The environment read for `TELLTALE_ENDPOINT`/`TELLTALE_API_KEY`.
    public var environment: [String: String]

    /// Options with the documented defaults; every argument is optional.
    public init(
        endpoint: URL? = nil,
        apiKey: String? = nil,
        tags: [String: String] = [:],
        redactKeys: [String] = [],
        capturePayloads: Bool = true,
        maxPayloadBytes: Int = PayloadPolicy.defaultMaxBytes,
        beforeSend: (@Sendable (Call) throws -> Call?)? = nil,
        transport: CallTransport? = nil,
        requestTimeout: Duration = .seconds(300),
        flushTimeout: Duration = .seconds(5),
        maxQueuedFrames: Int = 10_000,
        spoolDirectory: URL? = nil,
        log: @escaping @Sendable (String) -> Void = ShipperConfiguration.writeToStandardError,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.endpoint = endpoint
        self.apiKey = apiKey
        self.tags = tags
        self.redactKeys = redactKeys
        self.capturePayloads = capturePayloads
        self.maxPayloadBytes = maxPayloadBytes
        self.beforeSend = beforeSend
        self.transport = transport
        self.requestTimeout = requestTimeout
        self.flushTimeout = flushTimeout
        self.maxQueuedFrames = max(1, maxQueuedFrames)
        self.spoolDirectory = spoolDirectory
        self.log = log
        self.environment = environment
    }

    /// The collector endpoint and key from the options, else from the environment; or why there is none.
    func resolvedCollector() -> Result<(endpoint: URL, apiKey: String), TelltaleConfigurationError> {
        let endpointText = endpoint?.absoluteString ?? environment["TELLTALE_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
        guard let endpointText else { return .failure(.noEndpoint) }
        guard let url = URL(string: endpointText), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", url.host != nil
        else { return .failure(.invalidEndpoint(endpointText)) }
        let key = apiKey ?? environment["TELLTALE_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        guard let key, !key.isEmpty else { return .failure(.noAPIKey) }
        return .success((url, key))
    }

    /// The capture options of one connection (tags, payload policy, timeout, transport).
    func captureOptions(transport: CallTransport) throws(TelltaleConfigurationError) -> CaptureOptions {
        let redactor: Redactor
        do {
            redactor = try Redactor(extraKeyPatterns: redactKeys)
        } catch {
            throw .invalidRedactionPattern(error.description)
        }
        return CaptureOptions(
            tags: tags,
            payloads: PayloadPolicy(capture: capturePayloads, maxBytes: maxPayloadBytes, redactor: redactor),
            requestTimeout: requestTimeout,
            transport: transport
        )
    }
}
