import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A real local HTTP receiver (Hummingbird, live on a free port) that records every request and answers
/// with the statuses it is told to, in order (then 200).
actor HTTPReceiver {
    struct Received: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: Data
        /// The `Host` header (HTTP/1.1), which Hummingbird keeps apart from the other headers.
        var authority: String? = nil
    }

    private(set) var received: [Received] = []
    private var statuses: [Int]
    private var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    init(statuses: [Int] = []) {
        self.statuses = statuses
    }

    func record(_ request: Received) -> Int {
        received.append(request)
        let ready = waiters.filter { received.count >= $0.count }
        waiters.removeAll { received.count >= $0.count }
        for waiter in ready { waiter.continuation.resume() }
        return statuses.isEmpty ? 200 : statuses.removeFirst()
    }

    /// Returns once `count` requests arrived.
    func waitForRequests(_ count: Int) async {
        if received.count >= count { return }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }

    /// Runs `body` with the receiver listening; `body` gets the base URL (`http://127.0.0.1:PORT`).
    static func run<T: Sendable>(_ receiver: HTTPReceiver, _ body: @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("**") { request, context -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let status = await receiver.record(Received(method: request.method.rawValue, path: request.uri.description,
                                                        headers: headers, body: Data(buffer: bytes), authority: request.head.authority))
            return Response(status: .init(code: status))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)")
        }
    }
}
