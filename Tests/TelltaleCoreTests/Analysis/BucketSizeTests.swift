import Foundation
import Testing
@testable import TelltaleCore

@Suite struct BucketSizeTests {
    @Test func presets() {
        #expect(BucketSize.seconds(forRange: 15 * 60) == 60)
        #expect(BucketSize.seconds(forRange: 3600) == 60)
        #expect(BucketSize.seconds(forRange: 6 * 3600) == 300)
        #expect(BucketSize.seconds(forRange: 24 * 3600) == 3600)
        #expect(BucketSize.seconds(forRange: 7 * 24 * 3600) == 3600)
    }

    @Test func customRangesGiveAtMost180BucketsFromTheLadder() {
        #expect(BucketSize.seconds(forRange: 3 * 3600) == 60)       // 180 buckets
        #expect(BucketSize.seconds(forRange: 3 * 3600 + 1) == 300)  // 37
        #expect(BucketSize.seconds(forRange: 12 * 3600) == 300)     // 144
        #expect(BucketSize.seconds(forRange: 20 * 3600) == 900)     // 80
        #expect(BucketSize.seconds(forRange: 30 * 24 * 3600) == 21_600)  // 120
        #expect(BucketSize.seconds(forRange: 90 * 24 * 3600) == 86_400)  // 90
        #expect(BucketSize.seconds(forRange: 400 * 24 * 3600) == 3 * 86_400)  // 134
        #expect(BucketSize.seconds(forRange: 10) == 60)
        for hours in stride(from: 1.0, through: 24 * 365, by: 7) {
            let range = hours * 3600
            let size = BucketSize.seconds(forRange: range)
            #expect(BucketSize.isValid(size))
            #expect(range / Double(size) <= 180, "\(hours) h → \(size)")
            if range >= 24 * 3600 { #expect(size % 3600 == 0) }
        }
    }

    @Test func validity() {
        #expect(BucketSize.isValid(60) && BucketSize.isValid(300) && BucketSize.isValid(3600) && BucketSize.isValid(7200))
        #expect(!BucketSize.isValid(0) && !BucketSize.isValid(30) && !BucketSize.isValid(90) && !BucketSize.isValid(5400))
    }

    @Test func bucketsStartAtMultiplesOfTheSizeAndCoverTheRange() {
        let from = Date(timeIntervalSince1970: 3_700)
        let to = Date(timeIntervalSince1970: 10_800)
        let starts = BucketSize.starts(from: from, to: to, seconds: 3600)
        #expect(starts.map(\.timeIntervalSince1970) == [3600, 7200])
        #expect(BucketSize.count(from: from, to: to, seconds: 3600) == 2)
        #expect(BucketSize.count(from: from, to: Date(timeIntervalSince1970: 10_801), seconds: 3600) == 3)
        #expect(BucketSize.starts(from: from, to: Date(timeIntervalSince1970: 10_801), seconds: 3600).count == 3)
        #expect(BucketSize.count(from: to, to: from, seconds: 60) == 0)
    }
}
