import Foundation
import Logging
import MCP
import TelltaleCore

/// A swift-sdk `Transport` that forwards everything to the transport it wraps and records each message,
/// both ways, as Telltale Call records. Create it with ``Telltale/monitor(_:_:)``.
///
/// Every frame is handed to the monitor (a clock reading and an append to a bounded queue) just before
/// it is forwarded, so a request is always seen before its response; the parsing, pairing and shipping
/// happen on a background task. Received frames come from the client (`toServer` requests), sent frames
/// from the server. When the wrapped transport provides HTTP context (`StatefulHTTPServerTransport`,
/// `StatelessHTTPServerTransport`), so does this one, and its headers (`Mcp-Session-Id`,
/// `traceparent`/`tracestate`, `User-Agent`) are used for the calls.
public actor MonitoredTransport<Inner: Transport>: Transport {
    /// The transport every call is forwarded to.
    public nonisolated let inner: Inner
    /// The monitor this transport reports to.
    public nonisolated let telltale: Telltale
    /// The `transport` stamped on this connection's calls.
    public nonisolated let callTransport: CallTransport
    private nonisolated let monitor: ConnectionMonitor?
    private nonisolated let ownsTelltale: Bool
    private var innerLogger: Logger?
    private var finished = false

    private static var silentLogger: Logger {
        Logger(label: "telltale.mcp.transport", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    init(inner: Inner, telltale: Telltale, ownsTelltale: Bool) {
        self.inner = inner
        self.telltale = telltale
        self.ownsTelltale = ownsTelltale
        self.callTransport = telltale.options.transport ?? MonitoredTransport.kind(of: inner)
        self.monitor = telltale.startConnection(transport: callTransport)
    }

    /// The wrapped transport's logger (the server logs through it), once connected.
    public var logger: Logger { innerLogger ?? MonitoredTransport.silentLogger }

    /// Connects the wrapped transport.
    public func connect() async throws {
        innerLogger = await inner.logger
        try await inner.connect()
    }

    /// Disconnects the wrapped transport, then records open requests as `noResponse` and flushes
    /// (waiting at most ``TelltaleOptions/flushTimeout``); a monitor made by ``Telltale/monitor(_:_:)``
    /// is shut down too.
    public func disconnect() async {
        await inner.disconnect()
        await finish(reason: "connection closed")
    }

    /// Records the frame, then sends it through the wrapped transport (no hop through this actor).
    ///
    /// Recording is a clock read and an append to a bounded queue (≈ 0.6 µs). It comes first on purpose: over an
    /// in-memory pair the peer may answer inside `inner.send`, and the answer (observed on the receive side) must
    /// not reach the queue before the request it answers.
    public nonisolated func send(_ data: Data) async throws {
        monitor?.observe(data, from: .server)
        try await inner.send(data)
    }

    /// The wrapped transport's frames, each recorded just before it is handed on.
    ///
    /// The returned stream pulls from the wrapped one in the consumer's own task (no relay task, no
    /// extra hop); call it once, as `Server` does.
    public nonisolated func receive() -> AsyncThrowingStream<Data, Swift.Error> {
        let source = ReceivedFrames(inner: inner, monitor: monitor)
        return AsyncThrowingStream(unfolding: { try await source.next() })
    }

    /// Processes every frame seen so far and delivers the calls to the collector (see ``Telltale/flush(timeout:)``).
    public func flush(timeout: Duration? = nil) async {
        await telltale.flush(timeout: timeout)
    }

    /// The session id this connection's calls carry: the `Mcp-Session-Id` once an HTTP request told it,
    /// else an id made for the connection; nil when monitoring is disabled.
    public nonisolated var sessionID: String? { monitor?.sessionID }

    /// This connection's counters; ``TelltaleStats/disabledReason`` says why when monitoring is off.
    public nonisolated var stats: TelltaleStats {
        guard let monitor else {
            var stats = TelltaleStats()
            stats.disabledReason = telltale.disabledReason.map { "\($0)" } ?? "disabled"
            return stats
        }
        return monitor.stats
    }

    // MARK: - Internals

    private func finish(reason: String) async {
        guard !finished else { return }
        finished = true
        if let monitor { await telltale.endConnection(monitor, reason: reason) }
        if ownsTelltale {
            await telltale.shutdown()
        } else {
            await telltale.flush()
        }
    }

    /// Pulls frames from the wrapped transport and hands each to the monitor before returning it.
    ///
    /// `@unchecked Sendable`: `iterator` is only touched by ``next()``, which `AsyncThrowingStream(unfolding:)`
    /// calls from its single consumer one call at a time (the next call starts after the previous returned).
    private final class ReceivedFrames: @unchecked Sendable {
        private let inner: Inner
        private let monitor: ConnectionMonitor?
        private let provider: (any HTTPContextProviding)?
        private var iterator: AsyncThrowingStream<Data, Swift.Error>.AsyncIterator?

        init(inner: Inner, monitor: ConnectionMonitor?) {
            self.inner = inner
            self.monitor = monitor
            self.provider = inner as? any HTTPContextProviding
        }

        func next() async throws -> Data? {
            if iterator == nil { iterator = await inner.receive().makeAsyncIterator() }
            guard let data = try await iterator?.next() else { return nil }
            if let monitor, monitor.isActive {
                var http: HTTPRequest?
                if let provider, let id = MonitoredTransport.requestID(in: data) {
                    http = await provider.httpRequestContext(for: id)
                }
                monitor.observe(data, from: .client, http: http)
            }
            return data
        }
    }

    /// The transport kind swift-sdk's own transports stand for; `memory` for any other.
    static func kind(of transport: Inner) -> CallTransport {
        #if canImport(Darwin) || canImport(Glibc) || canImport(Musl)
        if transport is StdioTransport { return .stdio }
        #endif
        if transport is StatefulHTTPServerTransport || transport is StatelessHTTPServerTransport
            || transport is HTTPClientTransport {
            return .http
        }
        return .memory
    }

    /// The JSON-RPC id of `data` when it is a single request (the key of the HTTP context).
    static func requestID(in data: Data) -> ID? {
        let scanned = data.withUnsafeBytes { MessageScanner.scan($0) }
        guard case .message(let message) = scanned, message.kind == .request, let text = message.id else { return nil }
        if text.hasPrefix("\"") {
            return (try? JSONDecoder().decode(String.self, from: Data(text.utf8))).map(ID.string)
        }
        return Int(text).map(ID.number)
    }
}

extension MonitoredTransport: HTTPContextProviding where Inner: HTTPContextProviding {
    /// The wrapped transport's HTTP request for the JSON-RPC request `id` (what `Server` hands to handlers).
    public func httpRequestContext(for id: ID) async -> HTTPRequest? {
        await inner.httpRequestContext(for: id)
    }
}
