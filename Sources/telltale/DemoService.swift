import Foundation
import ServiceLifecycle

/// Runs ``DemoTraffic`` against the server once it listens, until graceful shutdown.
///
/// Registered so that it stops before the HTTP server: the demo's wrappers flush their last calls
/// to a server that still accepts them.
struct DemoService: Service {
    /// Yields the port once the server listens.
    let ports: AsyncStream<Int>
    let host: String
    let executable: URL
    let ingestKey: String

    func run() async throws {
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), let endpoint = URL(string: ServeCommand.url(host: host, port: port))
        else { return }
        let traffic = DemoTraffic(telltaleExecutable: executable, endpoint: endpoint, ingestKey: ingestKey)
        try await cancelWhenGracefulShutdown {
            await traffic.run()
        }
    }
}
