/// What capture knows about one HTTP response when its head arrives from the upstream server.
public struct HTTPResponseSummary: Sendable, Equatable {
    /// The status code (200, 202, 404 …).
    public var status: Int
    /// The reason phrase as sent (may be empty).
    public var reason: String
    /// Response header fields as received from the upstream server.
    public var headers: HTTPFields

    /// A response summary.
    public init(status: Int, reason: String = "", headers: HTTPFields) {
        self.status = status
        self.reason = reason
        self.headers = headers
    }
}
