import Foundation
import Testing
import TelltaleStore
@testable import TelltaleServer

@Suite struct AnalyticsBucketTests {
    @Test func analyticsRejectsBucketsTheStoreCannotServe() async throws {
        let fixture = try await ServerFixture.make()
        let analytics = Analytics(store: fixture.store)
        let query = CallQuery(project: fixture.project.id, from: AnalyticsTestData.at(0), to: AnalyticsTestData.at(600))
        await #expect(throws: InvalidBucketError(seconds: 0)) { try await analytics.overview(query, bucketSeconds: 0) }
        await #expect(throws: InvalidBucketError(seconds: 90)) { try await analytics.throughput(query, bucketSeconds: 90) }
        #expect(Analytics.bucketSeconds(for: query) == 60)
        #expect(try await analytics.throughput(query, bucketSeconds: 60).buckets.count == 10)
    }
}
