import Foundation

/// Whether a range's errors come from a few sessions (look at a client or workflow) or from everywhere
/// (look at the server): the share of all errors held by the worst sessions, and a plain verdict.
///
/// The "top 5%" is `ceil(5% of all active sessions)`, at least one session, counted over every active session
/// (not only the ones with errors), so 3 sessions out of 60 holding most errors reads as concentrated.
///
/// ```swift
/// let c = ErrorConcentration(activeSessions: 200, errorsPerSession: [40, 30, 20, 1, 1])
/// c.verdict          // .concentrated
/// c.verdict.sentence // "…look at a client or a workflow…"
/// ```
public struct ErrorConcentration: Codable, Sendable, Equatable {
    /// The plain-language conclusion.
    public enum Verdict: String, Codable, Sendable, CaseIterable {
        /// No session had an error.
        case noErrors
        /// Fewer than ``ErrorConcentration/minimumSessions`` active sessions: the top 5% would be one or two
        /// sessions, and any shares would be anecdotes.
        case tooFewSessions
        /// Fewer than ``ErrorConcentration/minimumErrors`` errors: too few for shares to mean anything.
        case tooFewErrors
        /// The top 5% of sessions hold at least half of the errors, and errors repeat within those sessions
        /// (see ``ErrorConcentration/halfErrorSessions``).
        case concentrated
        /// Errors are spread over many sessions.
        case spread

        /// The sentence the API and the dashboard both show.
        public var sentence: String {
            switch self {
            case .noErrors:
                "No session had an error in this range."
            case .tooFewSessions:
                "Too few sessions to judge: error concentration needs at least \(ErrorConcentration.minimumSessions) active sessions in the range; widen the range or remove filters."
            case .tooFewErrors:
                "Too few errors to judge where they come from (fewer than \(ErrorConcentration.minimumErrors)); widen the range."
            case .concentrated:
                "Concentrated: a few sessions hold most errors — look at a client or a workflow (open the top sessions' timelines)."
            case .spread:
                "Spread: errors come from many sessions — look at the server (a tool, a dependency, a deploy)."
            }
        }
    }

    /// The fewest active sessions for a verdict other than ``Verdict/noErrors``. With 20 sessions the top 5% is
    /// exactly one session; below that "the top 5%" is still one session but stands for a larger and larger
    /// slice, and the comparison stops meaning "a few sessions among many".
    public static let minimumSessions = 20
    /// The fraction of active sessions counted as "the top" (5%).
    public static let topFraction = 0.05
    /// The share of all errors the top sessions must hold for ``Verdict/concentrated`` (50%): a majority of the
    /// errors from a twentieth of the sessions is 10 times their fair share, far beyond what a server-side
    /// fault hitting calls at random produces once there are many errors.
    ///
    /// With few errors the share alone says nothing: with E ≤ 2k errors and k top sessions, the top k hold at
    /// least half as soon as each erroring session has one error. So ``Verdict/concentrated`` also needs half of
    /// the errors to come from at most E/4 sessions (those sessions average at least 2 errors each): errors that
    /// repeat within sessions, which random server faults on rare errors do not produce. With E ≥ 4k that second
    /// condition follows from the first, so for many errors the rule is exactly "top 5% hold ≥ 50%".
    public static let concentratedShare = 0.5
    /// The fewest errors for a verdict: below 10, one session more or less flips any share.
    public static let minimumErrors = 10
    /// How many sessions the second share counts.
    public static let topCount = 10

    /// Sessions active in the range (with or without errors).
    public var activeSessions: Int
    /// Sessions with at least one error.
    public var sessionsWithErrors: Int
    /// All errors of the active sessions.
    public var errors: Int
    /// How many sessions "the top 5%" is: `max(1, ceil(0.05 × activeSessions))`.
    public var topSessions: Int
    /// Share of all errors (0...1) held by the `topSessions` sessions with the most errors; 0 without errors.
    public var topShare: Double
    /// Share of all errors (0...1) held by the 10 sessions with the most errors; 0 without errors.
    public var top10Share: Double
    /// The fewest sessions that together hold at least half of the errors (0 without errors).
    public var halfErrorSessions: Int
    /// The conclusion.
    public var verdict: Verdict

    /// Computes the shares and the verdict.
    /// - Parameters:
    ///   - activeSessions: every session active in the range.
    ///   - errorsPerSession: the error count of each session with errors (any order; zeros are ignored).
    public init(activeSessions: Int, errorsPerSession: [Int]) {
        let counts = errorsPerSession.filter { $0 > 0 }.sorted(by: >)
        let sessions = max(activeSessions, counts.count)
        let total = counts.reduce(0, +)
        let top = max(1, Int((Double(sessions) * Self.topFraction).rounded(.up)))
        func share(_ k: Int) -> Double {
            total == 0 ? 0 : Double(counts.prefix(k).reduce(0, +)) / Double(total)
        }
        self.activeSessions = sessions
        sessionsWithErrors = counts.count
        errors = total
        topSessions = top
        topShare = share(top)
        top10Share = share(Self.topCount)
        var held = 0
        var half = 0
        for count in counts where 2 * held < total {
            held += count
            half += 1
        }
        halfErrorSessions = half
        if total == 0 {
            verdict = .noErrors
        } else if sessions < Self.minimumSessions {
            verdict = .tooFewSessions
        } else if total < Self.minimumErrors {
            verdict = .tooFewErrors
        } else {
            let repeats = 4 * half <= total
            verdict = topShare >= Self.concentratedShare && repeats ? .concentrated : .spread
        }
    }
}
