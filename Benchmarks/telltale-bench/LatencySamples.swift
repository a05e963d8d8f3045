#if canImport(Glibc)
import Glibc
#endif

/// Round-trip times of one benchmark mode, in nanoseconds.
struct LatencySamples {
    private(set) var values: [UInt64] = []

    mutating func append(_ nanoseconds: UInt64) {
        values.append(nanoseconds)
    }

    /// The `q`-quantile (0…1), nearest rank.
    func quantile(_ q: Double) -> Double {
        let ordered = values.sorted()
        guard !ordered.isEmpty else { return .nan }
        let rank = Int((q * Double(ordered.count - 1)).rounded())
        return Double(ordered[rank])
    }

    var mean: Double {
        values.isEmpty ? .nan : Double(values.reduce(0, +)) / Double(values.count)
    }

    var count: Int { values.count }

    /// Monotonic nanoseconds.
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Formats nanoseconds as microseconds with one decimal (no unit).
    static func micros(_ nanoseconds: Double) -> String {
        let tenths = Int((nanoseconds / 100).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }
}
