import Testing
@testable import TelltaleCore

@Suite struct VersionOrderTests {
    @Test func numericComponentsCompareAsNumbers() {
        let sorted = ["1.10.0", "1.9.2", "2.0.0", "1.9.10", "0.9", "1.9"].sorted(by: VersionOrder.isOrderedBefore)
        #expect(sorted == ["0.9", "1.9", "1.9.2", "1.9.10", "1.10.0", "2.0.0"])
    }

    @Test func preReleaseComesBeforeTheRelease() {
        #expect(VersionOrder.isOrderedBefore("2.0.0-beta.1", "2.0.0"))
        #expect(VersionOrder.isOrderedBefore("2.0.0-beta.1", "2.0.0-beta.2"))
        #expect(VersionOrder.isOrderedBefore("2.0.0-alpha", "2.0.0-beta"))
        #expect(VersionOrder.isOrderedBefore("1.9.9", "2.0.0-rc1"))
    }

    @Test func totalOnOddStrings() {
        #expect(VersionOrder.compare("abc", "abc") == 0)
        #expect(VersionOrder.compare("v1.2", "v1.10") == -1)
        #expect(VersionOrder.compare("1.2", "1.2") == 0)
        #expect(VersionOrder.compare("1.2a", "1.2") == 1)
        #expect(VersionOrder.compare("", "1") == -1)
    }
}
