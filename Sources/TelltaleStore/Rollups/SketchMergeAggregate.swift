import Foundation
import GRDB
import TelltaleCore

/// The SQL aggregate `tt_sketch_sum(sketch)`: the serialized sum of a column of serialized ``LatencySketch``es.
///
/// Rollup compaction (``RollupCompaction``) builds a coarse tier's rows from the finer tier's in one
/// `INSERT … SELECT … GROUP BY`. NULL inputs (empty sketches) are skipped; the sum of none is NULL.
struct SketchMergeAggregate: DatabaseAggregate {
    static let name = "tt_sketch_sum"

    /// The aggregate as a GRDB function, registered on every connection from `prepareDatabase`.
    static var function: DatabaseFunction { DatabaseFunction(name, argumentCount: 1, pure: true, aggregate: SketchMergeAggregate.self) }

    private var sketch: LatencySketch?

    init() {}

    mutating func step(_ dbValues: [DatabaseValue]) throws {
        guard case let .blob(data) = dbValues[0].storage else { return }
        var sum = sketch ?? LatencySketch()
        try data.withUnsafeBytes { bytes in try sum.merge(serialized: bytes) }
        sketch = sum
    }

    func finalize() throws -> (any DatabaseValueConvertible)? {
        sketch.map { Data($0.serialized()) }
    }
}
