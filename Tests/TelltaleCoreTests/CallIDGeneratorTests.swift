import Testing
import TelltaleCore

@Suite struct CallIDGeneratorTests {
    @Test func idsAreUniqueLowercaseUUIDv4() {
        var generator = CallIDGenerator()
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let id = generator.newID()
            #expect(id.count == 36)
            let parts = id.split(separator: "-")
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
            #expect(parts[2].first == "4")
            #expect("89ab".contains(parts[3].first ?? "x"))
            #expect(id.allSatisfy { $0 == "-" || $0.isHexDigit && !$0.isUppercase })
            seen.insert(id)
        }
        #expect(seen.count == 10_000)
        var other = CallIDGenerator()
        #expect(other.newID() != generator.newID())
    }
}
