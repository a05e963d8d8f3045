import Foundation
import Hummingbird

/// Reads and validates the body of `POST /api/v1/ingest`: media type, size limits, optional gzip.
enum IngestBody {
    /// Media types accepted for NDJSON Call records.
    static let acceptedMediaTypes: Set<String> = ["application/x-ndjson", "application/json"]

    /// The uncompressed NDJSON bytes of the request.
    /// - Throws: ``APIError`` 415 (media type or content coding), 413 (too large), 400 (bad gzip).
    static func read(_ request: Request, maxBytes: Int, maxDecodedBytes: Int) async throws -> ByteBuffer {
        try checkMediaType(request.headers[.contentType])
        let gzip = try isGzip(request.headers[.contentEncoding])
        let declaredLength = request.headers[.contentLength].flatMap { Int($0) }
        if let declaredLength, declaredLength > maxBytes {
            throw APIError.tooLarge(gzip ? "compressed body" : "body", limit: maxBytes)
        }
        var body = ByteBuffer()
        if let declaredLength { body.reserveCapacity(declaredLength) }
        for try await chunk in request.body {
            guard body.readableBytes + chunk.readableBytes <= maxBytes else {
                throw APIError.tooLarge(gzip ? "compressed body" : "body", limit: maxBytes)
            }
            var chunk = chunk
            body.writeBuffer(&chunk)
        }
        guard gzip else { return body }
        do {
            return try GzipInflater.inflate(body, limit: maxDecodedBytes)
        } catch .tooLarge {
            throw APIError.tooLarge("decompressed body", limit: maxDecodedBytes)
        } catch .invalid(let reason) {
            throw APIError.badRequest("body is not valid gzip", details: ["reason": reason])
        }
    }

    /// 415 unless the `Content-Type` is NDJSON or JSON (parameters such as `charset` are ignored).
    static func checkMediaType(_ header: String?) throws {
        guard let header else {
            throw APIError(
                .unsupportedMediaType, "missing Content-Type; send application/x-ndjson",
                details: ["accepted": "application/x-ndjson, application/json"]
            )
        }
        let mediaType = header.split(separator: ";", maxSplits: 1).first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard acceptedMediaTypes.contains(mediaType) else {
            throw APIError(
                .unsupportedMediaType, "unsupported Content-Type '\(header)'; send application/x-ndjson",
                details: ["accepted": "application/x-ndjson, application/json"]
            )
        }
    }

    /// Whether the body is gzip; 415 for any other content coding than gzip or identity.
    static func isGzip(_ header: String?) throws -> Bool {
        guard let header else { return false }
        let codings = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty && $0 != "identity" }
        if codings.isEmpty { return false }
        if codings == ["gzip"] || codings == ["x-gzip"] { return true }
        throw APIError(
            .unsupportedMediaType, "unsupported Content-Encoding '\(header)'; use gzip or none",
            details: ["accepted": "gzip"]
        )
    }
}
