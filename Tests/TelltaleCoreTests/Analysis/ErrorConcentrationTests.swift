import Foundation
import Testing
@testable import TelltaleCore

@Suite struct ErrorConcentrationTests {
    @Test func concentratedWhenTheTopFivePercentHoldHalf() {
        // 200 sessions → top 5% = 10 sessions. Three sessions hold 90 of 100 errors.
        let counts = [40, 30, 20] + Array(repeating: 1, count: 10)
        let c = ErrorConcentration(activeSessions: 200, errorsPerSession: counts)
        #expect(c.activeSessions == 200)
        #expect(c.sessionsWithErrors == 13)
        #expect(c.errors == 100)
        #expect(c.topSessions == 10)
        #expect(c.topShare == 97.0 / 100)
        #expect(c.top10Share == 97.0 / 100)
        #expect(c.verdict == .concentrated)
        #expect(c.verdict.sentence.contains("client or a workflow"))
    }

    @Test func spreadWhenErrorsComeFromEverywhere() {
        // 100 sessions, each with 2 errors except 10 sessions with 4: top 5% = 5 sessions hold 20 of 220.
        let counts = Array(repeating: 4, count: 10) + Array(repeating: 2, count: 90)
        let c = ErrorConcentration(activeSessions: 100, errorsPerSession: counts.shuffled())
        #expect(c.topSessions == 5)
        #expect(c.errors == 220)
        #expect(c.topShare == 20.0 / 220)
        #expect(c.top10Share == 40.0 / 220)
        #expect(c.verdict == .spread)
        #expect(c.verdict.sentence.contains("look at the server"))
    }

    @Test func topFivePercentRoundsUpOverAllActiveSessions() {
        #expect(ErrorConcentration(activeSessions: 21, errorsPerSession: [1]).topSessions == 2)
        #expect(ErrorConcentration(activeSessions: 20, errorsPerSession: [1]).topSessions == 1)
        #expect(ErrorConcentration(activeSessions: 1, errorsPerSession: []).topSessions == 1)
        #expect(ErrorConcentration(activeSessions: 1000, errorsPerSession: []).topSessions == 50)
    }

    @Test func boundaryOfHalfIsConcentrated() {
        // 40 sessions → top 2; they hold exactly 10 of 20 errors.
        let c = ErrorConcentration(activeSessions: 40, errorsPerSession: [5, 5] + Array(repeating: 1, count: 10))
        #expect(c.topShare == 0.5)
        #expect(c.verdict == .concentrated)
        let below = ErrorConcentration(activeSessions: 40, errorsPerSession: [5, 4] + Array(repeating: 1, count: 11))
        #expect(below.topShare < 0.5)
        #expect(below.verdict == .spread)
    }

    @Test func noErrorsTooFewSessionsAndTooFewErrors() {
        let none = ErrorConcentration(activeSessions: 500, errorsPerSession: [])
        #expect(none.verdict == .noErrors)
        #expect(none.topShare == 0 && none.top10Share == 0)
        let few = ErrorConcentration(activeSessions: 19, errorsPerSession: [30, 1])
        #expect(few.verdict == .tooFewSessions)
        #expect(few.verdict.sentence.contains("at least 20 active sessions"))
        #expect(few.topShare == 30.0 / 31)
        #expect(ErrorConcentration(activeSessions: 100, errorsPerSession: [5, 4]).verdict == .tooFewErrors)
        #expect(ErrorConcentration.Verdict.tooFewErrors.sentence.contains("fewer than 10"))
    }

    @Test func fewErrorsAreConcentratedOnlyWhenTheyRepeatWithinSessions() {
        // 1000 sessions → top 50. 60 errors: the top 50 hold ≥ 50% whatever happens, so repetition decides.
        let oneSession = ErrorConcentration(activeSessions: 1000, errorsPerSession: [60])
        #expect(oneSession.topShare == 1 && oneSession.halfErrorSessions == 1)
        #expect(oneSession.verdict == .concentrated)
        let everywhere = ErrorConcentration(activeSessions: 1000, errorsPerSession: Array(repeating: 1, count: 60))
        #expect(everywhere.topShare == 50.0 / 60)
        #expect(everywhere.halfErrorSessions == 30)
        #expect(everywhere.verdict == .spread)
        // 20 sessions with 3 errors each: half the errors from 10 sessions ≤ 60 / 4.
        let repeated = ErrorConcentration(activeSessions: 1000, errorsPerSession: Array(repeating: 3, count: 20))
        #expect(repeated.halfErrorSessions == 10)
        #expect(repeated.verdict == .concentrated)
        // 30 sessions with 2 errors each: half from 15 sessions, exactly 60 / 4 → still concentrated; 1 more → spread.
        #expect(ErrorConcentration(activeSessions: 1000, errorsPerSession: Array(repeating: 2, count: 30)).verdict == .concentrated)
        #expect(ErrorConcentration(activeSessions: 1000, errorsPerSession: Array(repeating: 2, count: 31) + [1]).halfErrorSessions == 16)
        #expect(ErrorConcentration(activeSessions: 1000, errorsPerSession: Array(repeating: 2, count: 31) + [1]).verdict == .spread)
    }

    @Test func halfErrorSessionsCountsTheFewestSessionsHoldingHalf() {
        #expect(ErrorConcentration(activeSessions: 50, errorsPerSession: []).halfErrorSessions == 0)
        #expect(ErrorConcentration(activeSessions: 50, errorsPerSession: [1, 1]).halfErrorSessions == 1)
        #expect(ErrorConcentration(activeSessions: 50, errorsPerSession: [1, 1, 1]).halfErrorSessions == 2)
        #expect(ErrorConcentration(activeSessions: 50, errorsPerSession: [1, 9, 2]).halfErrorSessions == 1)
    }

    @Test func ignoresZerosAndCountsSessionsWithErrorsAsActive() {
        let c = ErrorConcentration(activeSessions: 2, errorsPerSession: [0, 3, 0, 1, 2])
        #expect(c.activeSessions == 3)
        #expect(c.sessionsWithErrors == 3)
        #expect(c.errors == 6)
    }

    @Test func everyVerdictHasItsOwnSentence() {
        let sentences = Set(ErrorConcentration.Verdict.allCases.map(\.sentence))
        #expect(sentences.count == ErrorConcentration.Verdict.allCases.count)
    }
}
