import Foundation
import Testing
import TelltaleCore

@Suite struct LatencySketchTests {
    private static let quantiles = [0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0]

    private func exact(_ sorted: [Int64], _ q: Double) -> Double {
        Double(sorted[Int((q * Double(sorted.count - 1)).rounded(.down))])
    }

    private func checkAccuracy(_ values: [Int64], _ sketch: LatencySketch) {
        let sorted = values.sorted()
        for q in Self.quantiles {
            guard let estimate = sketch.quantile(q) else {
                Issue.record("empty")
                return
            }
            let truth = exact(sorted, q)
            let error = truth == 0 ? estimate : abs(estimate - truth) / truth
            #expect(error <= LatencySketch.relativeAccuracy + 1e-9, "q=\(q) truth=\(truth) estimate=\(estimate)")
        }
    }

    @Test func withinOnePercentOnRandomDistributions() {
        var rng = SplitMix64(seed: 7)
        // Log-uniform from 1 µs to 100 s, and a tight normal-ish cluster around 2 ms.
        let logUniform = (0..<50_000).map { _ in Int64(exp(Double.random(in: log(1e3)...log(1e11), using: &rng))) }
        let cluster = (0..<50_000).map { _ in
            Int64(2_000_000 + (0..<6).map { _ in Double.random(in: -50_000...50_000, using: &rng) }.reduce(0, +))
        }
        for values in [logUniform, cluster, logUniform + cluster] {
            var sketch = LatencySketch()
            for value in values { sketch.add(value) }
            #expect(sketch.count == UInt64(values.count))
            checkAccuracy(values, sketch)
        }
    }

    @Test func mergeEqualsAddingEverything() {
        var rng = SplitMix64(seed: 11)
        let values = (0..<30_000).map { _ in Int64.random(in: 1...5_000_000_000, using: &rng) }
        var whole = LatencySketch()
        var parts = [LatencySketch(), LatencySketch(), LatencySketch()]
        for (index, value) in values.enumerated() {
            whole.add(value)
            parts[index % 3].add(value)
        }
        var merged = LatencySketch()
        for part in parts { merged.merge(part) }
        #expect(merged.count == whole.count)
        for q in Self.quantiles { #expect(merged.quantile(q) == whole.quantile(q)) }
        checkAccuracy(values, merged)
    }

    @Test func zerosAndEmptyAndExtremes() {
        var sketch = LatencySketch()
        #expect(sketch.quantile(0.5) == nil)
        sketch.add(0)
        sketch.add(-5)
        sketch.add(1_000)
        #expect(sketch.zeroCount == 2)
        #expect(sketch.quantile(0.5) == 0)
        #expect(sketch.quantile(1) == 1_000)
        #expect(sketch.min == 0 && sketch.max == 1_000)
        sketch.add(.max)
        #expect(sketch.quantile(1) == Double(Int64.max))
    }

    @Test func serializationRoundTripsAndRejectsGarbage() throws {
        var sketch = LatencySketch()
        var rng = SplitMix64(seed: 3)
        for _ in 0..<10_000 { sketch.add(Int64.random(in: 1...10_000_000_000, using: &rng)) }
        sketch.add(0)
        let bytes = sketch.serialized()
        let restored = try LatencySketch(serialized: bytes)
        #expect(restored == sketch)
        #expect(bytes.count < 4_000)
        #expect(try LatencySketch(serialized: LatencySketch().serialized()) == LatencySketch())
        #expect(throws: LatencySketchError.self) { try LatencySketch(serialized: [UInt8]()) }
        #expect(throws: LatencySketchError.self) { try LatencySketch(serialized: [2]) }
        #expect(throws: LatencySketchError.self) { try LatencySketch(serialized: Array(bytes.dropLast())) }
        for _ in 0..<2_000 {
            let garbage = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? LatencySketch(serialized: [1] + garbage)
        }
    }

    @Test func mergingSerializedBytesEqualsMergingSketches() throws {
        var rng = SplitMix64(seed: 21)
        var parts: [LatencySketch] = []
        for index in 0..<20 {
            var part = LatencySketch()
            // Parts of very different ranges, some empty, some with zeros only.
            let scale = Int64(1) << (10 + index % 25)
            for _ in 0..<(index % 7 == 0 ? 0 : 500) { part.add(Int64.random(in: 1...scale, using: &rng)) }
            if index % 5 == 0 { part.add(0) }
            parts.append(part)
        }
        var viaSketches = LatencySketch()
        var viaBytes = LatencySketch()
        for part in parts {
            viaSketches.merge(part)
            try viaBytes.merge(serialized: part.serialized())
        }
        #expect(viaBytes.count == viaSketches.count)
        #expect(viaBytes.zeroCount == viaSketches.zeroCount)
        #expect(viaBytes.min == viaSketches.min && viaBytes.max == viaSketches.max)
        for q in Self.quantiles { #expect(viaBytes.quantile(q) == viaSketches.quantile(q)) }
        #expect(try LatencySketch(serialized: viaBytes.serialized()).quantile(0.99) == viaSketches.quantile(0.99))

        let lhs = parts[3].serialized(), rhs = parts[11].serialized()
        let merged = try lhs.withUnsafeBytes { a in try rhs.withUnsafeBytes { b in try LatencySketch.mergeSerialized(a, b) } }
        var expected = parts[3]
        expected.merge(parts[11])
        let restored = try LatencySketch(serialized: merged)
        #expect(restored.count == expected.count)
        for q in Self.quantiles { #expect(restored.quantile(q) == expected.quantile(q)) }
    }

    @Test func mergingInvalidBytesThrowsAndChangesNothing() throws {
        var sketch = LatencySketch()
        for value in [5_000, 70_000, 9_000_000] as [Int64] { sketch.add(value) }
        let before = sketch
        var other = LatencySketch()
        other.add(123_456_789)
        let bytes = other.serialized()
        #expect(throws: LatencySketchError.self) { try sketch.merge(serialized: Array(bytes.dropLast())) }
        #expect(throws: LatencySketchError.self) { try sketch.merge(serialized: [UInt8]()) }
        #expect(throws: LatencySketchError.self) { try sketch.merge(serialized: bytes + [0]) }
        var wrongTotal = bytes
        wrongTotal[1] = 5 // count no longer matches the bucket counts
        #expect(throws: LatencySketchError.self) { try sketch.merge(serialized: wrongTotal) }
        #expect(sketch == before)
        try sketch.merge(serialized: LatencySketch().serialized())
        #expect(sketch == before)
    }

    @Test func mergeSerializedWritesTheBytesOfTheMergedSketch() throws {
        var rng = SplitMix64(seed: 33)
        var parts: [LatencySketch] = [LatencySketch()]
        var zeros = LatencySketch()
        zeros.add(0)
        parts.append(zeros)
        for index in 0..<8 {
            var part = LatencySketch()
            let low = Int64(1) << (5 + index * 3)
            for _ in 0..<(50 + index * 40) { part.add(Int64.random(in: low...(low * 40), using: &rng)) }
            if index % 3 == 0 { part.add(0) }
            parts.append(part)
        }
        for lhs in parts {
            for rhs in parts {
                var expected = lhs
                expected.merge(rhs)
                let a = lhs.serialized(), b = rhs.serialized()
                let merged = try a.withUnsafeBytes { x in try b.withUnsafeBytes { y in try LatencySketch.mergeSerialized(x, y) } }
                #expect(merged == expected.serialized())
                let truncated = Array(b.dropLast())
                if rhs.count > 0 && lhs.count > 0 {
                    #expect(throws: LatencySketchError.self) {
                        try a.withUnsafeBytes { x in try truncated.withUnsafeBytes { y in try LatencySketch.mergeSerialized(x, y) } }
                    }
                }
            }
        }
    }
}
