import Foundation
import Testing
@testable import TelltaleCore

@Suite struct RFC3339Tests {
    @Test func parsesUTCFractionsAndOffsets() throws {
        #expect(RFC3339.parse("1970-01-01T00:00:00Z".utf8) == Date(timeIntervalSince1970: 0))
        #expect(RFC3339.parse("2020-01-01T00:00:00Z".utf8) == Date(timeIntervalSince1970: 1_577_836_800))
        let micro = try #require(RFC3339.parse("2026-11-25T10:27:34.123456Z".utf8))
        #expect(abs(micro.timeIntervalSince1970 - 1_795_602_454.123456) < 1e-6)
        #expect(RFC3339.parse("2020-01-01T02:00:00+02:00".utf8) == Date(timeIntervalSince1970: 1_577_836_800))
        #expect(RFC3339.parse("2019-12-31T23:30:00-00:30".utf8) == Date(timeIntervalSince1970: 1_577_836_800))
        #expect(RFC3339.parse("2020-01-01t00:00:00.5z".utf8) == Date(timeIntervalSince1970: 1_577_836_800.5))
        #expect(RFC3339.parse("2024-02-29T00:00:00Z".utf8) != nil)
    }

    @Test(arguments: [
        "", "2020-01-01", "2020-01-01T00:00:00", "2020-01-01T00:00Z", "2020-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z", "2020-01-01T24:00:00Z", "2020-01-01T00:00:00.Z", "2020-01-01T00:00:00+0200",
        "2020-01-01T00:00:00Zjunk", "yesterday",
    ])
    func rejectsWhatIsNotRFC3339(text: String) {
        #expect(RFC3339.parse(text.utf8) == nil)
    }

    @Test func formatsUTCWithMicrosecondsAndRoundTrips() throws {
        #expect(RFC3339.string(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
        #expect(RFC3339.string(Date(timeIntervalSince1970: 1_577_836_800.25)) == "2020-01-01T00:00:00.250000Z")
        #expect(RFC3339.string(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500000Z")
        for seconds in stride(from: 0.0, to: 4_000_000_000, by: 12_345_678.901234) {
            let date = Date(timeIntervalSince1970: seconds)
            let parsed = try #require(RFC3339.parse(RFC3339.string(date).utf8))
            #expect(abs(parsed.timeIntervalSince1970 - seconds) < 1e-6)
        }
    }
}
