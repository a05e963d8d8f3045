import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
@testable import TelltaleCapture

/// Real sockets for one test: raw TCP servers and clients, an NIOHTTP1 upstream, and proxies,
/// all torn down by ``shutdown()``.
final class HTTPTestNetwork: Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    private let proxies = Mutex<[HTTPReverseProxy]>([])
    /// Every channel the tests opened (servers, accepted and client connections), closed at shutdown.
    private let channels = Mutex<[any Channel]>([])
    private let tasks = Mutex<[Task<Void, Never>]>([])

    private func track(_ channel: any Channel) {
        channels.withLock { $0.append(channel) }
    }

    /// A TCP server on 127.0.0.1 whose connections are each handed to `handler` (in its own task).
    func rawServer(_ handler: @escaping @Sendable (HTTPTestPeer) async throws -> Void) async throws -> HTTPTestServer {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let result = HTTPTestServer(channel: server.channel)
        track(server.channel)
        let task = Task<Void, Never> {
            try? await server.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { tasks in
                    for try await connection in connections {
                        result.counter.accepted.add(1, ordering: .relaxed)
                        self.track(connection.channel)
                        tasks.addTask {
                            try? await connection.executeThenClose { inbound, outbound in
                                try await handler(HTTPTestPeer(channel: connection.channel, inbound: inbound, outbound: outbound))
                            }
                        }
                    }
                }
            }
        }
        tasks.withLock { $0.append(task) }
        return result
    }

    /// An NIOHTTP1 server on 127.0.0.1 answering with ``HTTPTestUpstreamHandler``.
    func httpServer() async throws -> HTTPTestServer {
        let counter = HTTPTestServerCounter()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                counter.accepted.add(1, ordering: .relaxed)
                self.track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: true)
                    try channel.pipeline.syncOperations.addHandler(HTTPTestUpstreamHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        track(channel)
        return HTTPTestServer(channel: channel, counter: counter)
    }

    /// Connects to 127.0.0.1:`port` and runs `body` with the connection, closed afterwards.
    func withClient<Result: Sendable>(
        port: Int, _ body: (HTTPTestPeer) async throws -> Result
    ) async throws -> Result {
        let client = try await ClientBootstrap(group: group)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        track(client.channel)
        return try await client.executeThenClose { inbound, outbound in
            try await body(HTTPTestPeer(channel: client.channel, inbound: inbound, outbound: outbound))
        }
    }

    /// A started proxy in front of 127.0.0.1:`upstreamPort`; returns it and its port.
    func proxy(
        upstreamPort: Int, observer: (any HTTPProxyObserver)? = nil,
        connectTimeout: Duration = .seconds(10)
    ) async throws -> (HTTPReverseProxy, Int) {
        let proxy = HTTPReverseProxy(
            configuration: HTTPProxyConfiguration(
                bindPort: 0, upstreamHost: "127.0.0.1", upstreamPort: upstreamPort, connectTimeout: connectTimeout),
            observer: observer, threads: 2)
        proxies.withLock { $0.append(proxy) }
        let port = try await proxy.start()
        return (proxy, port)
    }

    /// Shuts the proxies down, closes every test channel, lets the server tasks finish, then stops
    /// the event loops.
    func shutdown() async {
        for proxy in proxies.withLock({ $0 }) { await proxy.shutdown() }
        for channel in channels.withLock({ $0 }) { try? await channel.close() }
        let tasks = self.tasks.withLock { $0 }
        _ = try? await withTimeout(10, "test servers stopping") {
            for task in tasks { await task.value }
        }
        try? await group.shutdownGracefully()
    }
}

/// How many connections a test server accepted.
final class HTTPTestServerCounter: Sendable {
    let accepted = Atomic<Int>(0)
}

/// A listening test server.
final class HTTPTestServer: Sendable {
    let channel: any Channel
    let counter: HTTPTestServerCounter

    init(channel: any Channel, counter: HTTPTestServerCounter = HTTPTestServerCounter()) {
        self.channel = channel
        self.counter = counter
    }

    var port: Int { channel.localAddress!.port! }
    var acceptedCount: Int { counter.accepted.load(ordering: .relaxed) }
}

/// Runs `body` with a fresh ``HTTPTestNetwork``, shut down afterwards whatever happens.
func withHTTPTestNetwork<Result: Sendable>(_ body: (HTTPTestNetwork) async throws -> Result) async throws -> Result {
    let network = HTTPTestNetwork()
    do {
        let result = try await body(network)
        await network.shutdown()
        return result
    } catch {
        await network.shutdown()
        throw error
    }
}
