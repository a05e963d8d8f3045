import Foundation
import Hummingbird
import TelltaleCore
import TelltaleStore

/// `POST /api/v1/ingest`: NDJSON Call records in, stored idempotently, acknowledged after they are durable.
struct IngestController {
    /// The reply to an ingest batch.
    struct Reply: Codable, Sendable, Equatable {
        /// Lines decoded successfully (new and already stored).
        var accepted: Int
        /// Accepted lines whose id was already stored (or repeated in the batch).
        var duplicates: Int
        /// Lines that could not be decoded, with their 0-based index and the reason.
        var rejected: [IngestDecoder.Rejection]
    }

    let store: any CallStore
    let configuration: ServerConfiguration

    func register(on routes: RouteTable) {
        routes.add(.post, "/api/v1/ingest", scope: .ingest) { request, context in
            try await ingest(request, context: context)
        }
    }

    func ingest(_ request: Request, context: TelltaleRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let body = try await IngestBody.read(
            request, maxBytes: configuration.maxBodyBytes, maxDecodedBytes: configuration.maxDecodedBodyBytes
        )
        let clock = ContinuousClock()
        let start = clock.now
        let data = Data(body.readableBytesView)
        let decoded = await IngestDecoder.decode(data)
        let decodedAt = clock.now
        var stored = 0
        if !decoded.calls.isEmpty {
            stored = try await store.insert(decoded.calls, project: key.project.id)
        }
        context.logger.debug(
            "ingest batch",
            metadata: [
                "bytes": "\(data.count)", "accepted": "\(decoded.calls.count)", "new": "\(stored)",
                "rejected": "\(decoded.rejected.count)",
                "decode": "\(decodedAt - start)", "store": "\(clock.now - decodedAt)",
            ]
        )
        let reply = Reply(
            accepted: decoded.calls.count,
            duplicates: max(0, decoded.calls.count - stored),
            rejected: decoded.rejected
        )
        return try JSONBody.response(reply)
    }
}
