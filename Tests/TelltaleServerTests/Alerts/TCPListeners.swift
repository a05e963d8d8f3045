import NIOCore
import NIOPosix

/// Raw TCP helpers for receivers that misbehave.
enum TCPListeners {
    /// A port on 127.0.0.1 where nothing listens (bound, then closed): connections are refused.
    static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }

    /// A listener that accepts connections and never sends a byte (a hanging receiver); `accepted` yields
    /// once per connection. Close the channel when done.
    static func silent() async throws -> (channel: any Channel, accepted: AsyncStream<Void>) {
        let (accepted, continuation) = AsyncStream<Void>.makeStream()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                continuation.yield()
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel, accepted)
    }
}
