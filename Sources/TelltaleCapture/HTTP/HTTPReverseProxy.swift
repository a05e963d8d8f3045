import NIOCore
import NIOPosix
import Synchronization

/// A transparent HTTP/1.1 reverse proxy in front of one upstream server, telling an
/// ``HTTPProxyObserver`` about the exchanges on inspected paths.
///
/// Every client connection gets its own upstream connection (opened on its first request, re-opened
/// when the upstream closed it), on the same event loop. Heads, bodies and framing pass unchanged
/// apart from hop-by-hop fields (RFC 9110 §7.6.1); bodies stream with backpressure both ways.
/// Upstream failures reach the client as a direct connection would show them: refused or reset →
/// the client's connection is reset.
public final class HTTPReverseProxy: Sendable {
    private let configuration: HTTPProxyConfiguration
    private let shared: HTTPProxyShared
    private let group: MultiThreadedEventLoopGroup
    private let state = Mutex<State>(State())

    private struct State: Sendable {
        var serverChannel: (any Channel)?
        var started = false
        var shutDown = false
    }

    /// A proxy for `configuration`; `observer` sees inspected exchanges (nil: relay only).
    public init(configuration: HTTPProxyConfiguration, observer: (any HTTPProxyObserver)?, threads: Int = System.coreCount) {
        self.configuration = configuration
        self.shared = HTTPProxyShared(configuration: configuration, observer: observer, stats: HTTPProxyStats())
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
    }

    /// The proxy's counters.
    public var stats: HTTPProxyStats { shared.stats }

    /// Binds the listening socket and starts accepting; returns the bound port.
    ///
    /// Throws ``HTTPProxyError`` when the address cannot be bound (`cannot listen on 127.0.0.1:8080:
    /// address already in use`) or the proxy was already started.
    public func start() async throws -> Int {
        let claimed = state.withLock { state -> Bool in
            guard !state.started, !state.shutDown else { return false }
            state.started = true
            return true
        }
        guard claimed else { throw HTTPProxyError.alreadyStarted }
        let shared = self.shared
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HTTPProxyConnection(shared: shared))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.bindHost, port: configuration.bindPort).get()
        } catch {
            throw HTTPProxyError.cannotListen(host: configuration.bindHost, port: configuration.bindPort, error: error)
        }
        let keep = state.withLock { state -> Bool in
            guard !state.shutDown else { return false }
            state.serverChannel = channel
            return true
        }
        guard keep else {
            try? await channel.close()
            throw HTTPProxyError("the proxy was shut down while starting")
        }
        return channel.localAddress?.port ?? configuration.bindPort
    }

    /// Stops accepting, closes every connection and shuts the event loops down.
    public func shutdown() async {
        let channel = state.withLock { state -> (any Channel)? in
            guard !state.shutDown else { return nil }
            state.shutDown = true
            defer { state.serverChannel = nil }
            return state.serverChannel
        }
        if let channel { try? await channel.close() }
        try? await group.shutdownGracefully()
    }

    /// Whether a TCP connection to the upstream server succeeds within `timeout`.
    public func upstreamReachable(timeout: Duration) async -> Bool {
        do {
            let channel = try await shared.connectUpstream(
                on: group.next(), timeout: HTTPProxyShared.timeAmount(timeout)).get()
            channel.close(promise: nil)
            return true
        } catch {
            return false
        }
    }
}
