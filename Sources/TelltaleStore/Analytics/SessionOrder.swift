/// How ``CallStore/sessions(_:order:limit:)`` orders sessions.
public enum SessionOrder: String, Sendable, CaseIterable {
    /// Most recently active first.
    case recent
    /// Most errors first (ties: most recent first).
    case errors
    /// Most requests first.
    case calls
}

/// The raw material of session error concentration.
public struct SessionErrorCounts: Sendable, Equatable {
    /// Sessions active in the range.
    public var sessions: Int
    /// Requests in those sessions.
    public var calls: Int
    /// The error count of each session that had at least one error, largest first.
    public var errorsPerSession: [Int]

    public init(sessions: Int, calls: Int, errorsPerSession: [Int]) {
        self.sessions = sessions
        self.calls = calls
        self.errorsPerSession = errorsPerSession
    }
}
