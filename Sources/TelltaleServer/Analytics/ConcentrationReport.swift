import Foundation
import TelltaleCore
import TelltaleStore

/// Session error concentration: do a few sessions hold most errors (a client or workflow problem) or are
/// they spread (a server problem)? With the sessions that have the most errors.
package struct ConcentrationReport: Codable, Sendable, Equatable {
    /// Inclusive start of the range.
    package var from: Date
    /// Exclusive end of the range.
    package var to: Date
    /// Requests in the active sessions.
    package var calls: Int
    /// Shares and verdict (`activeSessions`, `sessionsWithErrors`, `errors`, `topSessions`, `topShare`,
    /// `top10Share`, `verdict`).
    package var concentration: ErrorConcentration
    /// The verdict as a sentence (the same words the dashboard shows).
    package var message: String
    /// Up to 10 sessions with the most errors, most first (whole-session totals).
    package var topSessions: [SessionStats]

    package init(from: Date, to: Date, calls: Int, concentration: ErrorConcentration, topSessions: [SessionStats]) {
        self.from = from
        self.to = to
        self.calls = calls
        self.concentration = concentration
        self.message = concentration.verdict.sentence
        self.topSessions = topSessions
    }
}
