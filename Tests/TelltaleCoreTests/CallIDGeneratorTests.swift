import Foundation
import Testing
import TelltaleCore

@Suite struct CallIDGeneratorTests {
    @Test func idsAreUniqueLowercaseUUIDv7() {
        var generator = CallIDGenerator()
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let id = generator.newID()
            #expect(id.count == 36)
            let parts = id.split(separator: "-")
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
            #expect(parts[2].first == "7")
            #expect("89ab".contains(parts[3].first ?? "x"))
            #expect(id.allSatisfy { $0 == "-" || $0.isHexDigit && !$0.isUppercase })
            seen.insert(id)
        }
        #expect(seen.count == 10_000)
        var other = CallIDGenerator()
        #expect(other.newID() != generator.newID())
    }

    @Test func idsCarryTheirMillisecondAndSortByTime() throws {
        var generator = CallIDGenerator()
        let date = Date(timeIntervalSince1970: 1_795_601_613.123)
        let id = generator.newID(at: date)
        let hex = id.replacingOccurrences(of: "-", with: "").prefix(12)
        #expect(UInt64(hex, radix: 16) == 1_795_601_613_123)
        let later = generator.newID(at: date.addingTimeInterval(0.002))
        #expect(id < later)
        let earlier = generator.newID(at: date.addingTimeInterval(-0.002))
        #expect(earlier < id)
    }

    @Test func callNewIDIsTimeOrdered() throws {
        let first = Call.newID()
        Thread.sleep(forTimeInterval: 0.003)
        let second = Call.newID()
        #expect(first < second)
        #expect(Array(first)[14] == "7")
    }
}
