import Synchronization

/// Counters of an ``HTTPReverseProxy``, safe to read from any thread.
public final class HTTPProxyStats: Sendable {
    private let relayed = Atomic<Int>(0)
    private let inspected = Atomic<Int>(0)
    private let errors = Atomic<Int>(0)
    private let open = Atomic<Int>(0)

    /// Counters starting at zero.
    public init() {}

    /// Requests whose head was forwarded upstream.
    public var requestsRelayed: Int { relayed.load(ordering: .relaxed) }
    /// Requests on an inspected path (handed to the observer when there is one).
    public var inspectedRequests: Int { inspected.load(ordering: .relaxed) }
    /// Upstream connections that failed: refused, timed out, reset or closed mid-exchange.
    public var upstreamErrors: Int { errors.load(ordering: .relaxed) }
    /// Downstream (client) connections currently open.
    public var openConnections: Int { open.load(ordering: .relaxed) }

    func requestRelayed() { relayed.add(1, ordering: .relaxed) }
    func requestInspected() { inspected.add(1, ordering: .relaxed) }
    func upstreamFailed() { errors.add(1, ordering: .relaxed) }
    func connectionOpened() { open.add(1, ordering: .relaxed) }
    func connectionClosed() { open.subtract(1, ordering: .relaxed) }
}
