import Foundation

/// A bucket length ``Analytics`` cannot use: not a positive multiple of 60 (of 3600 from an hour up).
package struct InvalidBucketError: Error, CustomStringConvertible, Equatable {
    /// The rejected length, in seconds.
    package var seconds: Int

    package init(seconds: Int) {
        self.seconds = seconds
    }

    package var description: String {
        "bucket of \(seconds) s: buckets must be a positive multiple of 60 s, and of 3600 s from an hour up"
    }
}
