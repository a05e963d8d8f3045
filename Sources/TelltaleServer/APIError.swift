import Foundation
import Hummingbird

/// An error the HTTP API reports to the caller as `{"error": "<message>", …details}` with a status code.
public struct APIError: Error, CustomStringConvertible, Sendable {
    /// The HTTP status of the reply.
    public var status: HTTPResponse.Status
    /// A clear, human-readable message: the `error` field of the reply.
    public var message: String
    /// Extra string fields of the reply body (e.g. `"required": "ingest"`).
    public var details: [String: String]
    /// Extra response headers (e.g. `WWW-Authenticate`).
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, details: [String: String] = [:], headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.details = details
        self.headers = headers
    }

    public var description: String { "\(status.code) \(message)" }
}

extension APIError {
    /// 401: no key, or a key the store does not know.
    static func unauthorized(_ reason: String) -> APIError {
        APIError(
            .unauthorized, "invalid API key", details: ["reason": reason],
            headers: [.wwwAuthenticate: "Bearer realm=\"telltale\""]
        )
    }

    /// 400 with a message.
    static func badRequest(_ message: String, details: [String: String] = [:]) -> APIError {
        APIError(.badRequest, message, details: details)
    }

    /// 404 with a message.
    static func notFound(_ message: String) -> APIError {
        APIError(.notFound, message)
    }

    /// 413: a body over `limit` bytes (`what` says whether compressed or decompressed).
    static func tooLarge(_ what: String, limit: Int) -> APIError {
        APIError(
            .contentTooLarge, "\(what) is larger than \(limit) bytes",
            details: ["limitBytes": String(limit)]
        )
    }
}

extension APIError: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body = details
        body["error"] = message
        var response = try JSONBody.response(body, status: status)
        for field in headers {
            response.headers.append(field)
        }
        return response
    }
}
