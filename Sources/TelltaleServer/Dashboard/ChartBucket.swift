import Foundation

/// The chart bucket for a page's range (the same choice as the JSON API's ``Analytics``).
enum ChartBucket {
    static func seconds(for range: TimeInterval) -> Int {
        Analytics.bucketSeconds(for: range)
    }
}
