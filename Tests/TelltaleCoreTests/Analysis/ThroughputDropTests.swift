import Foundation
import Testing
@testable import TelltaleCore

@Suite struct ThroughputDropTests {
    @Test func flagsASilenceTheBaselineMakesUnlikely() throws {
        // Baseline 42 calls over 4 buckets = 10.5 per bucket; silent 1.5 buckets (last is half covered) → λ 15.75.
        let d = ThroughputDrop(counts: [12, 9, 11, 10, 0, 0], coverage: [1, 1, 1, 1, 1, 0.5])
        #expect(d.dropped)
        #expect(d.silentBuckets == 2)
        #expect(d.silentSinceIndex == 4)
        #expect(d.baselineBuckets == 4)
        #expect(d.baselinePerBucket == 10.5)
        #expect(abs(d.expectedCalls - 15.75) < 1e-12)
        #expect(abs(d.pValue - exp(-15.75)) < 1e-15)
    }

    @Test func thresholdIsLambdaFive() {
        // 1 call per bucket, 5 silent buckets → λ = 5 exactly: flagged, p = e^-5 ≈ 0.0067.
        let atFive = ThroughputDrop(counts: [1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
        #expect(atFive.expectedCalls == 5)
        #expect(abs(atFive.pValue - 0.006737946999085467) < 1e-15)
        #expect(atFive.dropped)
        // Four silent buckets: λ = 4, P(0) ≈ 1.8% — ordinary for a quiet tool.
        let atFour = ThroughputDrop(counts: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0])
        #expect(atFour.expectedCalls == 4)
        #expect(!atFour.dropped)
        #expect(atFour.silentBuckets == 4)
    }

    @Test func partialLastBucketShrinksTheExpectation() {
        // Baseline 8 per bucket; one silent bucket only 25% elapsed → λ 2: not flagged yet.
        let early = ThroughputDrop(counts: [8, 8, 8, 0], coverage: [1, 1, 1, 0.25])
        #expect(early.expectedCalls == 2)
        #expect(!early.dropped)
        let full = ThroughputDrop(counts: [8, 8, 8, 0], coverage: [1, 1, 1, 1])
        #expect(full.dropped)
    }

    @Test func partialFirstBucketRaisesTheBaselineToAFullBucketRate() {
        // 5 calls in a first bucket only half inside the range count as 10 per full bucket.
        let d = ThroughputDrop(counts: [5, 10, 10, 0], coverage: [0.5, 1, 1, 1])
        #expect(d.baselinePerBucket == 10)
        #expect(d.expectedCalls == 10)
    }

    @Test func needsThreeBaselineBuckets() {
        let short = ThroughputDrop(counts: [100, 100, 0, 0, 0])
        #expect(short.baselinePerBucket == nil)
        #expect(short.expectedCalls == 0)
        #expect(short.pValue == 1)
        #expect(!short.dropped)
        #expect(short.silentBuckets == 3)
        #expect(ThroughputDrop(counts: [100, 100, 100, 0]).dropped)
    }

    @Test func noTrailingSilenceIsNeverADrop() {
        let busy = ThroughputDrop(counts: [0, 0, 50, 0, 0, 3])
        #expect(busy.silentBuckets == 0)
        #expect(busy.silentSinceIndex == nil)
        #expect(busy.expectedCalls == 0)
        #expect(!busy.dropped)
        let empty = ThroughputDrop(counts: [])
        #expect(!empty.dropped && empty.silentBuckets == 0)
        let allZero = ThroughputDrop(counts: [0, 0, 0, 0])
        #expect(!allZero.dropped)
        #expect(allZero.silentSinceIndex == 0)
    }

    @Test func zerosBeforeTheLastCallLowerTheBaseline() {
        // Bursty: 30 calls in 6 buckets = 5 per bucket; 1 silent bucket → λ 5: flagged.
        let bursty = ThroughputDrop(counts: [10, 0, 0, 10, 0, 10, 0])
        #expect(bursty.baselineBuckets == 6)
        #expect(bursty.baselinePerBucket == 5)
        #expect(bursty.expectedCalls == 5)
        #expect(bursty.dropped)
    }

    @Test func coverageOfBucketsAgainstTheRange() {
        let from = Date(timeIntervalSince1970: 90)
        let to = Date(timeIntervalSince1970: 330)
        let starts = BucketSize.starts(from: from, to: to, seconds: 60)
        #expect(starts.map(\.timeIntervalSince1970) == [60, 120, 180, 240, 300])
        let coverage = ThroughputDrop.coverage(bucketStarts: starts, bucketSeconds: 60, from: from, to: to)
        #expect(coverage == [0.5, 1, 1, 1, 0.5])
    }
}
