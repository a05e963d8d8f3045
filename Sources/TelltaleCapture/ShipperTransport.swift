import AsyncHTTPClient
import Foundation
import NIOCore

/// Posts gzip NDJSON batches to `{endpoint}/api/v1/ingest` with one `HTTPClient`, and classifies answers.
final class ShipperTransport: Sendable {
    private let client: HTTPClient
    private let url: String
    private let apiKey: String
    private let timeout: Duration

    init(configuration: ShipperConfiguration) {
        self.url = configuration.ingestURL
        self.apiKey = configuration.apiKey
        self.timeout = configuration.requestTimeout
        let connect = min(configuration.requestTimeout, .seconds(5))
        var clientConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(connect)),
            decompression: .disabled
        )
        // The shipper retries with its own backoff and spools meanwhile: a refused connection must fail
        // the request at once, not wait in the pool's own reconnect loop until the request deadline.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
    }

    /// Sends one gzip body; never throws. Task cancellation ends the request with ``IngestResult/cancelled``.
    func post(_ gzipBody: [UInt8]) async -> IngestResult {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-ndjson")
        request.headers.add(name: "Content-Encoding", value: "gzip")
        request.headers.add(name: "User-Agent", value: "telltale-shipper")
        if !apiKey.isEmpty {
            request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        }
        request.body = .bytes(ByteBuffer(bytes: gzipBody))
        do {
            let response = try await client.execute(request, timeout: TimeAmount(timeout))
            let body = try await response.body.collect(upTo: 1 << 20)
            return Self.classify(
                statusCode: Int(response.status.code),
                reasonPhrase: response.status.reasonPhrase,
                retryAfter: response.headers.first(name: "Retry-After"),
                body: body
            )
        } catch {
            if Task.isCancelled || error is CancellationError { return .cancelled }
            if let error = error as? HTTPClientError, error == .cancelled { return .cancelled }
            return .retryable(reason: Self.describe(error), retryAfter: nil)
        }
    }

    /// Shuts the HTTP client down (waits for it); safe to call once.
    func shutdown() async {
        try? await client.shutdown()
    }

    /// Maps a response to what the shipper does next.
    static func classify(
        statusCode code: Int,
        reasonPhrase: String,
        retryAfter retryAfterValue: String?,
        body: ByteBuffer,
        now: Date = Date()
    ) -> IngestResult {
        switch code {
        case 200..<300:
            return .acknowledged(try? JSONDecoder().decode(IngestReply.self, from: Data(body.readableBytesView)))
        case 408, 429, 500..<600:
            let retryAfter = retryAfterValue.flatMap { RetryAfter.parse($0, now: now) }
            return .retryable(reason: "\(code) \(errorText(body) ?? reasonPhrase)", retryAfter: retryAfter)
        default:
            return .refused(status: code, message: errorText(body) ?? reasonPhrase)
        }
    }

    /// The `error`/`reason`/`message` string of a JSON error body, else a short plain-text body.
    static func errorText(_ body: ByteBuffer) -> String? {
        let data = Data(body.readableBytesView)
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            for key in ["error", "reason", "message"] {
                if let text = object[key] as? String, !text.isEmpty { return text }
                if let nested = object[key] as? [String: Any], let text = nested["message"] as? String { return text }
            }
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= 200, !text.hasPrefix("{"), !text.hasPrefix("<") else { return nil }
        return text
    }

    /// A short description of a network error (e.g. `connection refused`).
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.localizedCaseInsensitiveContains("connection refused") || text.contains("ECONNREFUSED") {
            return "connection refused"
        }
        if text.localizedCaseInsensitiveContains("connection reset") || text.contains("ECONNRESET") {
            return "connection reset"
        }
        if let error = error as? HTTPClientError {
            if error == .connectTimeout { return "connect timeout" }
            if error == .deadlineExceeded || error == .readTimeout { return "request timed out" }
            if error == .remoteConnectionClosed { return "connection closed by the collector" }
        }
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}

/// What came of one ingest request.
enum IngestResult: Sendable {
    /// 2xx; the decoded reply when the body was the documented JSON.
    case acknowledged(IngestReply?)
    /// Network error, 5xx, 408 or 429: try again later (after `retryAfter` when the collector said so).
    case retryable(reason: String, retryAfter: Duration?)
    /// Another 4xx (or 3xx): sending the same batch again cannot succeed.
    case refused(status: Int, message: String)
    /// The shipper is shutting down and cancelled the request.
    case cancelled
}

/// The collector's answer to a successful ingest: `{"accepted": N, "duplicates": N, "rejected": [{"line": i, "reason": "…"}]}`.
struct IngestReply: Decodable, Sendable, Equatable {
    var accepted: Int
    var duplicates: Int?
    var rejected: [Rejection]?

    /// One line the collector did not keep, with its 0-based index in the batch.
    struct Rejection: Decodable, Sendable, Equatable {
        var line: Int
        var reason: String
    }
}
