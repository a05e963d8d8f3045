/// What capture knows about one HTTP request when its head arrives.
public struct HTTPRequestSummary: Sendable, Equatable {
    /// `GET`, `POST`, `DELETE` …
    public var method: String
    /// The request target as sent: path and query (`/messages?sessionId=abc`).
    public var target: String
    /// Request header fields as received from the client.
    public var headers: HTTPFields
    /// The client's address (`ip:port`), when known.
    public var clientAddress: String?
    /// Identifies the downstream (client) connection the request came on; stable for that
    /// connection's lifetime, unique within the process.
    public var connectionID: UInt64

    /// A request summary.
    public init(method: String, target: String, headers: HTTPFields, clientAddress: String? = nil, connectionID: UInt64 = 0) {
        self.method = method
        self.target = target
        self.headers = headers
        self.clientAddress = clientAddress
        self.connectionID = connectionID
    }

    /// The path part of ``target`` (before `?`).
    public var path: Substring {
        target.firstIndex(of: "?").map { target[..<$0] } ?? target[...]
    }
}
