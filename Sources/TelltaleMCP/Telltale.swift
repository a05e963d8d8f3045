import Foundation
import MCP
import Synchronization
import TelltaleCapture
import TelltaleCore

/// Telltale monitoring for `modelcontextprotocol/swift-sdk` servers: wrap the server's transport and every
/// message, both ways, becomes Call records shipped to a Telltale collector.
///
/// ```swift
/// let server = Server(name: "weather", version: "1.0.0", capabilities: .init(tools: .init()))
/// let transport = Telltale.monitor(StdioTransport())   // TELLTALE_ENDPOINT / TELLTALE_API_KEY
/// try await server.start(transport: transport)
/// await server.waitUntilCompleted()
/// await server.stop()                                   // disconnects, which flushes
/// ```
///
/// One instance owns one ``Shipper`` (batches, gzip, retry, disk spool); ``monitor(_:)`` may be called for
/// many transports (one per HTTP session, say) and they all share it. Monitoring never stands in the way
/// of the server: without a collector it is disabled with one log line; a dead collector, a bug in
/// Telltale or frames it does not understand switch it off (one line), and the transport keeps forwarding.
public final class Telltale: Sendable {
    /// The options this instance was created with.
    public let options: TelltaleOptions
    /// Why monitoring is off for every connection, or nil when it is on.
    public let disabledReason: TelltaleConfigurationError?
    private let shipper: Shipper?
    private let context: TelltaleContext?
    private let baseCapture: CaptureOptions?
    private let connections = Mutex([ObjectIdentifier: ConnectionMonitor]())

    /// Creates a monitor with its shipper; with no collector configured, a disabled one (one log line).
    public convenience init(_ options: TelltaleOptions = TelltaleOptions()) {
        self.init(options: options, sink: nil, faults: nil)
    }

    /// Creates a monitor that hands calls to `sink` instead of a shipper of its own (tests, custom sinks),
    /// with an optional fault hook (`faults`) called at named points of the background path.
    package init(options: TelltaleOptions, sink: (any CallSink)?, faults: (@Sendable (String) throws -> Void)?) {
        self.options = options
        let reporter = OnceReporter(sink: options.log)
        var reason: TelltaleConfigurationError?
        var capture: CaptureOptions?
        var shipper: Shipper?
        var resolvedSink = sink
        do throws(TelltaleConfigurationError) {
            capture = try options.captureOptions(transport: .memory)
            if resolvedSink == nil {
                let (endpoint, key) = try options.resolvedCollector().get()
                let made = Shipper(configuration: ShipperConfiguration(
                    endpoint: endpoint, apiKey: key, spoolDirectory: options.spoolDirectory, report: options.log))
                shipper = made
                resolvedSink = made
            }
        } catch {
            reason = error
            reporter.report(.disabled, "monitoring disabled: \(error); the MCP server runs unmonitored")
        }
        self.disabledReason = reason
        self.shipper = reason == nil ? shipper : nil
        self.baseCapture = reason == nil ? capture : nil
        if reason == nil, let resolvedSink {
            self.context = TelltaleContext(sink: resolvedSink, reporter: reporter, beforeSend: options.beforeSend,
                                           maxQueuedFrames: options.maxQueuedFrames, faults: faults)
        } else {
            self.context = nil
        }
    }

    /// Whether calls are captured and shipped.
    public var isEnabled: Bool { context != nil }

    /// Wraps `transport` so that every message it carries is recorded; pass the result to `server.start`.
    public func monitor<Inner: Transport>(_ transport: Inner) -> MonitoredTransport<Inner> {
        MonitoredTransport(inner: transport, telltale: self, ownsTelltale: false)
    }

    /// Wraps `transport` with a monitor of its own, configured by `options` (or the environment); the
    /// monitor's shipper is flushed and shut down when the transport disconnects.
    public static func monitor<Inner: Transport>(
        _ transport: Inner, _ options: TelltaleOptions = TelltaleOptions()
    ) -> MonitoredTransport<Inner> {
        MonitoredTransport(inner: transport, telltale: Telltale(options), ownsTelltale: true)
    }

    /// Processes every frame seen so far, then sends every queued call and waits until the collector
    /// acknowledged it (or `timeout` passed: then what is left goes to the spool). Never throws.
    public func flush(timeout: Duration? = nil) async {
        let monitors = connections.withLock { Array($0.values) }
        for monitor in monitors { await monitor.drain() }
        await shipper?.flush(timeout: timeout ?? options.flushTimeout)
    }

    /// Ends every open connection's capture, flushes, and stops the shipper. Idempotent.
    public func shutdown() async {
        let monitors = connections.withLock { Array($0.values) }
        for monitor in monitors { await monitor.close() }
        await flush()
        await shipper?.shutdown()
    }

    /// The shipper's counters (sent, spooled, dropped …); nil when monitoring is disabled.
    public var shipperStats: ShipperStats? { shipper?.stats }

    // MARK: - Connections

    /// A monitor for one new connection on `transport`, or nil when monitoring is disabled.
    func startConnection(transport: CallTransport) -> ConnectionMonitor? {
        guard let context, var capture = baseCapture else { return nil }
        capture.transport = transport
        let monitor = ConnectionMonitor(sessionID: Call.newID(), options: capture, telltale: context)
        connections.withLock { $0[ObjectIdentifier(monitor)] = monitor }
        return monitor
    }

    /// The connection ended: its open requests become `noResponse` and it is forgotten.
    func endConnection(_ monitor: ConnectionMonitor, reason: String) async {
        await monitor.close(reason: reason)
        _ = connections.withLock { $0.removeValue(forKey: ObjectIdentifier(monitor)) }
    }
}
