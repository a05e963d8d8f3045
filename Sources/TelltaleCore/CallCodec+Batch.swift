import Foundation

/// The result of decoding an NDJSON body: the good calls and, per bad line, its index and reason.
public struct DecodedCallBatch: Sendable {
    /// One rejected line.
    public struct Rejection: Sendable, Equatable, CustomStringConvertible {
        /// 0-based index of the line in the body (empty lines count).
        public var index: Int
        public var error: CallDecodingError
        public var description: String { "line \(index): \(error)" }
    }

    public var calls: [Call] = []
    public var rejections: [Rejection] = []
}

extension CallCodec {
    /// Decodes a whole NDJSON body; blank lines are skipped, bad lines are reported, not fatal.
    public static func decodeLines(_ body: [UInt8]) -> DecodedCallBatch {
        var batch = DecodedCallBatch()
        body.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var start = 0
            var index = 0
            while start < raw.count {
                let end: Int
                if let hit = memchr(base + start, 0x0A, raw.count - start) {
                    end = base.distance(to: UnsafeRawPointer(hit))
                } else {
                    end = raw.count
                }
                let line = UnsafeRawBufferPointer(rebasing: raw[start..<end])
                if line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) {
                    do throws(CallDecodingError) {
                        batch.calls.append(try decode(line: line))
                    } catch {
                        batch.rejections.append(.init(index: index, error: error))
                    }
                }
                index += 1
                start = end + 1
            }
        }
        return batch
    }
}
