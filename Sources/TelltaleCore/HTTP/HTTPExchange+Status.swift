import Foundation

extension HTTPExchange {
    /// Bytes of a text error body quoted in the error message at most.
    package static let errorBodyPreviewBytes = 200

    /// For a response status ≥ 400: `HTTP 503 Service Unavailable`, plus `: ` and up to 200 bytes
    /// of the body when it is text; nil below 400 or without a response.
    package var statusErrorMessage: String? {
        guard let response, response.status >= 400 else { return nil }
        let reason = response.reason.isEmpty ? HTTPExchange.reasonPhrase(response.status) : response.reason
        var message = "HTTP \(response.status)" + (reason.isEmpty ? "" : " \(reason)")
        if let text = bodyText(of: response) { message += ": \(text)" }
        return message
    }

    /// The head of a text response body, whitespace-trimmed; nil when empty or not text.
    private func bodyText(of response: HTTPResponseSummary) -> String? {
        guard case .buffered = reading, !responseBody.isEmpty else { return nil }
        if let type = response.headers["Content-Type"]?.lowercased(),
           !(type.hasPrefix("text/") || type.contains("json") || type.contains("xml")) {
            return nil
        }
        let head = Array(responseBody.bytes.prefix(HTTPExchange.errorBodyPreviewBytes + 1))
        let text = PayloadPolicy.utf8Prefix(head, maxBytes: HTTPExchange.errorBodyPreviewBytes)
        guard !text.contains("\u{FFFD}") else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The standard reason phrase of a status code (RFC 9110), or empty.
    package static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 402: "Payment Required"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 421: "Misdirected Request"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: ""
        }
    }
}
