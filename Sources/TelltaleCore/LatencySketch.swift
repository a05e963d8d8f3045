import Foundation

/// Bytes that are not a serialized ``LatencySketch``.
public struct LatencySketchError: Error, CustomStringConvertible, Sendable, Equatable {
    public var reason: String
    public var description: String { "invalid latency sketch: \(reason)" }
}

/// A mergeable quantile sketch of durations in nanoseconds (DDSketch-style, 1% relative accuracy).
///
/// Values go into logarithmic buckets of ratio γ = (1 + α) / (1 − α), α = 0.01: any quantile is
/// returned within 1% of a value of the data set at that rank. Sketches of different minutes,
/// servers or tools merge exactly (bucket counts add), which is how rollups combine.
public struct LatencySketch: Sendable, Equatable {
    /// The guaranteed relative accuracy α.
    public static let relativeAccuracy = 0.01
    private static let gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
    private static let logGamma = log(gamma)
    /// Bucket indexes are bounded (values up to Int64.max need ~2,200).
    private static let maxBuckets = 4096

    /// Values recorded (including zeros).
    public private(set) var count: UInt64 = 0
    /// Values that were <= 0.
    public private(set) var zeroCount: UInt64 = 0
    /// Sum of the values (for means).
    public private(set) var sum: Double = 0
    /// Smallest value recorded (0 when empty).
    public private(set) var min: Int64 = 0
    /// Largest value recorded (0 when empty).
    public private(set) var max: Int64 = 0
    private var offset = 0
    private var counts: [UInt64] = []

    /// An empty sketch.
    public init() {}

    private static func bucket(_ value: Int64) -> Int {
        Int((log(Double(value)) / logGamma).rounded(.up))
    }

    private static func estimate(_ index: Int) -> Double {
        2 * pow(gamma, Double(index)) / (gamma + 1)
    }

    /// Records one duration in nanoseconds (negative values count as 0).
    public mutating func add(_ nanoseconds: Int64) {
        add(nanoseconds, count: 1)
    }

    /// Records `count` occurrences of one duration.
    public mutating func add(_ nanoseconds: Int64, count occurrences: UInt64) {
        guard occurrences > 0 else { return }
        let value = Swift.max(0, nanoseconds)
        if count == 0 {
            min = value
            max = value
        } else {
            min = Swift.min(min, value)
            max = Swift.max(max, value)
        }
        count &+= occurrences
        sum += Double(value) * Double(occurrences)
        guard value > 0 else { zeroCount &+= occurrences; return }
        let index = Self.bucket(value)
        ensure(index)
        counts[index - offset] &+= occurrences
    }

    private mutating func ensure(_ index: Int) {
        if counts.isEmpty {
            offset = index
            counts = [0]
        } else if index < offset {
            counts.insert(contentsOf: repeatElement(0, count: offset - index), at: 0)
            offset = index
        } else if index >= offset + counts.count {
            counts.append(contentsOf: repeatElement(0, count: index - offset - counts.count + 1))
        }
    }

    /// Adds every value of `other` to this sketch.
    public mutating func merge(_ other: LatencySketch) {
        guard other.count > 0 else { return }
        if count == 0 {
            self = other
            return
        }
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
        count &+= other.count
        zeroCount &+= other.zeroCount
        sum += other.sum
        guard !other.counts.isEmpty else { return }
        ensure(other.offset)
        ensure(other.offset + other.counts.count - 1)
        for (position, value) in other.counts.enumerated() where value > 0 {
            counts[other.offset + position - offset] &+= value
        }
    }

    /// The value at quantile `q` (0...1) in nanoseconds, within 1%; nil when empty.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0, q.isFinite else { return nil }
        let clamped = Swift.min(1, Swift.max(0, q))
        let rank = clamped * Double(count - 1)
        if clamped == 0 { return Double(min) }
        if clamped == 1 { return Double(max) }
        var seen = zeroCount
        if Double(seen) > rank { return 0 }
        for (position, value) in counts.enumerated() where value > 0 {
            seen &+= value
            if Double(seen) > rank {
                let estimate = Self.estimate(offset + position)
                return Swift.min(Double(max), Swift.max(Double(min), estimate))
            }
        }
        return Double(max)
    }

    // MARK: - Serialization

    /// A compact binary form (version byte, varints) for storing rollups.
    public func serialized() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.headerCapacity + counts.count * 10) { buffer, initialized in
            var writer = Writer(buffer)
            writer.header(count: count, zeroCount: zeroCount, sum: sum, min: min, max: max, offset: offset, buckets: counts.count)
            for value in counts { writer.varint(value) }
            initialized = writer.position
        }
    }

    /// The most bytes of a serialized header (version and seven varints).
    private static let headerCapacity = 1 + 7 * 10

    /// Writes varints into preallocated memory (callers size it: at most 10 bytes per varint).
    private struct Writer {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var position = 0

        init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
            self.buffer = buffer
        }

        @inline(__always)
        mutating func varint(_ value: UInt64) {
            var rest = value
            while rest >= 0x80 {
                buffer[position] = UInt8(truncatingIfNeeded: rest) | 0x80
                position += 1
                rest >>= 7
            }
            buffer[position] = UInt8(truncatingIfNeeded: rest)
            position += 1
        }

        mutating func header(count: UInt64, zeroCount: UInt64, sum: Double, min: Int64, max: Int64, offset: Int, buckets: Int) {
            buffer[0] = 1
            position = 1
            varint(count)
            varint(zeroCount)
            varint(sum.bitPattern)
            varint(LatencySketch.zigzag(min))
            varint(LatencySketch.zigzag(max))
            varint(LatencySketch.zigzag(Int64(offset)))
            varint(UInt64(buckets))
        }
    }

    /// Restores a sketch from ``serialized()`` bytes.
    public init(serialized bytes: some Collection<UInt8>) throws(LatencySketchError) {
        let data = Array(bytes)
        let header = try Self.withBytes(data) { raw throws(LatencySketchError) in try Header(raw) }
        count = header.count
        zeroCount = header.zeroCount
        sum = header.sum
        min = header.min
        max = header.max
        offset = header.offset
        counts.reserveCapacity(header.bucketCount)
        try Self.withBytes(data) { raw throws(LatencySketchError) in
            var reader = Reader(raw, position: header.bucketsStart)
            for _ in 0..<header.bucketCount { counts.append(try reader.varint("bucket")) }
        }
    }

    /// Adds every value of a serialized sketch to this one, reading the bytes in place.
    ///
    /// Equivalent to `merge(LatencySketch(serialized: bytes))` without building the other sketch: rollup
    /// queries merge thousands of stored sketches. On invalid bytes nothing is changed.
    public mutating func merge(serialized bytes: UnsafeRawBufferPointer) throws(LatencySketchError) {
        let header = try Header(bytes)
        guard header.count > 0 else { return }
        if count == 0 {
            min = header.min
            max = header.max
        } else {
            min = Swift.min(min, header.min)
            max = Swift.max(max, header.max)
        }
        count &+= header.count
        zeroCount &+= header.zeroCount
        sum += header.sum
        guard header.bucketCount > 0 else { return }
        ensure(header.offset)
        ensure(header.offset + header.bucketCount - 1)
        var reader = Reader(bytes, position: header.bucketsStart)
        let base = header.offset - offset
        for position in 0..<header.bucketCount {
            // Cannot fail: the header check already decoded every bucket.
            counts[base + position] &+= (try? reader.varint("bucket")) ?? 0
        }
    }

    /// Adds every value of a serialized sketch to this one (see ``merge(serialized:)-(UnsafeRawBufferPointer)``).
    public mutating func merge(serialized bytes: [UInt8]) throws(LatencySketchError) {
        try Self.withBytes(bytes) { raw throws(LatencySketchError) in try merge(serialized: raw) }
    }

    /// `withUnsafeBytes` with a typed error.
    private static func withBytes<R>(
        _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(LatencySketchError) -> R
    ) throws(LatencySketchError) -> R {
        let result: Result<R, LatencySketchError> = bytes.withUnsafeBytes { raw in
            do throws(LatencySketchError) { return .success(try body(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// The serialized sum of two serialized sketches (what a rollup upsert stores).
    ///
    /// One pass over each input, writing the sum straight into the output bytes (no sketch is built); the
    /// inputs are checked as ``init(serialized:)`` checks them.
    public static func mergeSerialized(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) throws(LatencySketchError) -> [UInt8] {
        let a = try Header(lhs, checkBuckets: false)
        let b = try Header(rhs, checkBuckets: false)
        if a.count == 0 || b.count == 0 {
            let other = a.count == 0 ? rhs : lhs
            _ = try Header(other)
            return Array(other)
        }
        let low: Int, high: Int
        switch (a.bucketCount > 0, b.bucketCount > 0) {
        case (true, true):
            low = Swift.min(a.offset, b.offset)
            high = Swift.max(a.offset + a.bucketCount, b.offset + b.bucketCount)
        case (true, false): (low, high) = (a.offset, a.offset + a.bucketCount)
        case (false, true): (low, high) = (b.offset, b.offset + b.bucketCount)
        case (false, false): (low, high) = (0, 0)
        }
        var readerA = Reader(lhs, position: a.bucketsStart)
        var readerB = Reader(rhs, position: b.bucketsStart)
        var totalA = a.zeroCount, totalB = b.zeroCount
        var valid = true
        let merged = [UInt8](unsafeUninitializedCapacity: headerCapacity + (high - low) * 10) { buffer, initialized in
            var writer = Writer(buffer)
            writer.header(
                count: a.count &+ b.count, zeroCount: a.zeroCount &+ b.zeroCount, sum: a.sum + b.sum,
                min: Swift.min(a.min, b.min), max: Swift.max(a.max, b.max), offset: low, buckets: high - low)
            for index in low..<high {
                var value: UInt64 = 0
                if index >= a.offset && index < a.offset + a.bucketCount {
                    guard let next = readerA.next() else { valid = false; break }
                    value = next
                    totalA &+= next
                }
                if index >= b.offset && index < b.offset + b.bucketCount {
                    guard let next = readerB.next() else { valid = false; break }
                    value &+= next
                    totalB &+= next
                }
                writer.varint(value)
            }
            initialized = writer.position
        }
        guard valid, readerA.position == lhs.count, readerB.position == rhs.count else {
            throw LatencySketchError(reason: "bucket counts do not match the header")
        }
        guard totalA == a.count, totalB == b.count else {
            throw LatencySketchError(reason: "bucket counts do not add up to count")
        }
        return merged
    }

    /// Reads varints from serialized bytes.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position: Int

        init(_ bytes: UnsafeRawBufferPointer, position: Int) {
            self.bytes = bytes
            self.position = position
        }

        /// The next varint, or nil when it is truncated or too long.
        @inline(__always)
        mutating func next() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                guard shift < 64 else { return nil }
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }

        mutating func varint(_ what: String) throws(LatencySketchError) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                guard shift < 64 else { throw LatencySketchError(reason: "\(what): varint too long") }
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            throw LatencySketchError(reason: "\(what): unexpected end of data")
        }
    }

    /// The fixed fields of serialized bytes, checked against the bucket counts that follow.
    private struct Header {
        var count: UInt64
        var zeroCount: UInt64
        var sum: Double
        var min: Int64
        var max: Int64
        var offset: Int
        var bucketCount: Int
        var bucketsStart: Int

        /// Reads the header; with `checkBuckets`, also decodes every bucket and checks the totals and the length.
        init(_ bytes: UnsafeRawBufferPointer, checkBuckets: Bool = true) throws(LatencySketchError) {
            guard let version = bytes.first else { throw LatencySketchError(reason: "empty") }
            guard version == 1 else { throw LatencySketchError(reason: "unknown version \(version)") }
            var reader = Reader(bytes, position: 1)
            count = try reader.varint("count")
            zeroCount = try reader.varint("zeroCount")
            sum = Double(bitPattern: try reader.varint("sum"))
            min = LatencySketch.unzigzag(try reader.varint("min"))
            max = LatencySketch.unzigzag(try reader.varint("max"))
            let rawOffset = LatencySketch.unzigzag(try reader.varint("offset"))
            let buckets = try reader.varint("bucket count")
            guard buckets <= UInt64(LatencySketch.maxBuckets), abs(rawOffset) <= Int64(LatencySketch.maxBuckets) else {
                throw LatencySketchError(reason: "bucket range out of bounds")
            }
            offset = Int(rawOffset)
            bucketCount = Int(buckets)
            bucketsStart = reader.position
            guard checkBuckets else { return }
            var total = zeroCount
            for _ in 0..<bucketCount { total &+= try reader.varint("bucket") }
            guard reader.position == bytes.count else { throw LatencySketchError(reason: "trailing bytes") }
            guard total == count else { throw LatencySketchError(reason: "bucket counts do not add up to count") }
        }
    }

    private static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
    private static func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
}
