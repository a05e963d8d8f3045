import Foundation
import Hummingbird
import HummingbirdCore
import Testing
import TelltaleStore
@testable import TelltaleServer

@Suite struct QueryParametersTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func parse(_ query: String, defaultRange: TimeInterval = 24 * 3600) throws -> QueryParameters {
        try QueryParameters(URI("/x?\(query)").queryParameters, now: now, defaultRange: defaultRange)
    }

    @Test func rangePresetsEndAtToOrNow() throws {
        let hour = try Self.parse("range=1h")
        #expect(hour.to == Self.now && hour.from == Self.now.addingTimeInterval(-3600))
        #expect(hour.range == .oneHour)
        let week = try Self.parse("range=7d&to=1800000000000")
        #expect(week.from == Self.now.addingTimeInterval(-7 * 86_400))
        #expect(week.range == .sevenDays)
        for preset in RangePreset.allCases {
            let parsed = try Self.parse("range=\(preset.rawValue)")
            #expect(parsed.to.timeIntervalSince(parsed.from) == preset.seconds)
        }
    }

    @Test func fromWinsOverRange() throws {
        let parsed = try Self.parse("range=15m&from=1799990000000")
        #expect(parsed.from == Date(timeIntervalSince1970: 1_799_990_000))
        #expect(parsed.range == nil)
    }

    @Test func defaultRangeIsReportedWhenItIsAPreset() throws {
        let parsed = try Self.parse("")
        #expect(parsed.range == .oneDay)
        #expect(parsed.from == Self.now.addingTimeInterval(-86_400))
        let custom = try Self.parse("", defaultRange: 5000)
        #expect(custom.range == nil)
        #expect(custom.from == Self.now.addingTimeInterval(-5000))
    }

    @Test func badRangeIs400() {
        #expect(throws: APIError.self) { try Self.parse("range=2h") }
        do {
            _ = try Self.parse("range=1d")
        } catch let error as APIError {
            #expect(error.status == .badRequest)
            #expect(error.message == "'range' must be one of 15m|1h|6h|24h|7d, got '1d'")
            #expect(error.details["parameter"] == "range")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func everyFilterReachesTheCallQuery() throws {
        let parsed = try Self.parse(
            "server=weather&client=cursor&clientVersion=0.9.1&tool=search&prompt=greet&resource=file%3A%2F%2F%2Fa.txt&method=tools%2Fcall&tag=env:prod&tag=region=eu"
        )
        #expect(parsed.callQuery(project: 7) == CallQuery(
            project: 7, from: parsed.from, to: parsed.to, server: "weather", client: "cursor", clientVersion: "0.9.1",
            tool: "search", prompt: "greet", resource: "file:///a.txt", method: "tools/call",
            tags: ["env": "prod", "region": "eu"]
        ))
    }
}
