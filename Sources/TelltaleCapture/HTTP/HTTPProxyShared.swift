import NIOCore
import NIOPosix
import Synchronization
import TelltaleCore

/// What every connection of one ``HTTPReverseProxy`` shares: configuration, observer, counters.
final class HTTPProxyShared: Sendable {
    let observer: (any HTTPProxyObserver)?
    let stats: HTTPProxyStats
    let upstreamHost: String
    let upstreamPort: Int
    /// The upstream address when the host is an IP literal (no resolution per connection).
    let upstreamAddress: SocketAddress?
    let connectTimeout: TimeAmount
    let prefixes: HTTPInspectPrefixes

    private static let nextConnectionID = Atomic<UInt64>(0)

    init(configuration: HTTPProxyConfiguration, observer: (any HTTPProxyObserver)?, stats: HTTPProxyStats) {
        self.observer = observer
        self.stats = stats
        self.upstreamHost = configuration.upstreamHost
        self.upstreamPort = configuration.upstreamPort
        self.upstreamAddress = try? SocketAddress(ipAddress: configuration.upstreamHost, port: configuration.upstreamPort)
        self.connectTimeout = Self.timeAmount(configuration.connectTimeout)
        self.prefixes = HTTPInspectPrefixes(configuration.inspectPrefixes)
    }

    /// `duration` as a NIO time amount (whole nanoseconds, saturating).
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.saturatingNanoseconds)
    }

    /// A process-wide unique id for a new downstream connection.
    static func newConnectionID() -> UInt64 {
        nextConnectionID.add(1, ordering: .relaxed).newValue
    }

    /// Connects to the upstream server on `eventLoop`.
    func connectUpstream(
        on eventLoop: any EventLoop, timeout: TimeAmount? = nil,
        initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void> = { $0.eventLoop.makeSucceededVoidFuture() }
    ) -> EventLoopFuture<any Channel> {
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout ?? connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer(initializer)
        if let upstreamAddress {
            return bootstrap.connect(to: upstreamAddress)
        }
        return bootstrap.connect(host: upstreamHost, port: upstreamPort)
    }
}
