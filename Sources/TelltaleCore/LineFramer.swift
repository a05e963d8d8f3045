import Foundation

/// Splits a byte stream into newline-delimited lines, whatever the chunk boundaries.
///
/// Survives partial reads (a line split across any number of chunks), strips a trailing `\r`
/// (CRLF), skips empty lines, and bounds memory: at most ``maxLineBytes`` of a line are kept
/// (the head); the rest is counted but dropped and the line is marked truncated, so framing stays
/// in sync on lines of any length.
public struct LineFramer: Sendable {
    /// One framed line handed to the caller; `bytes` is only valid during the callback.
    public struct Line {
        /// The line's content (without `\n` or `\r\n`); only the head when ``truncated``.
        public var bytes: UnsafeRawBufferPointer
        /// The full length of the line's content on the wire, without its terminator.
        public var byteCount: Int
        /// Whether `bytes` holds only the first ``LineFramer/maxLineBytes`` of the line.
        public var truncated: Bool
    }

    /// A framed line copied out of the framer (convenience for callers that keep lines).
    public struct OwnedLine: Sendable, Equatable {
        public var bytes: [UInt8]
        public var byteCount: Int
        public var truncated: Bool
    }

    /// Default bound on the bytes kept of one line: 16 MiB.
    public static let defaultMaxLineBytes = 16 << 20

    /// How many bytes of one line are kept at most.
    public let maxLineBytes: Int
    private var buffer: [UInt8] = []
    /// Bytes of the current line beyond `maxLineBytes` (counted, not kept).
    private var overflow = 0
    /// The last byte of the current partial line (to strip `\r` of a truncated CRLF line).
    private var lastByte: UInt8 = 0

    /// Creates a framer that keeps at most `maxLineBytes` of each line.
    public init(maxLineBytes: Int = LineFramer.defaultMaxLineBytes) {
        self.maxLineBytes = max(1, maxLineBytes)
    }

    /// Bytes of an unterminated line currently held (head only).
    public var pendingBytes: Int { buffer.count }

    /// Feeds a chunk; calls `onLine` for every complete, non-empty line in order.
    public mutating func consume(_ chunk: UnsafeRawBufferPointer, _ onLine: (Line) -> Void) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        var start = 0
        let count = chunk.count
        while start < count {
            guard let hit = memchr(base + start, 0x0A, count - start) else {
                appendPartial(UnsafeRawBufferPointer(start: base + start, count: count - start))
                return
            }
            let end = base.distance(to: UnsafeRawPointer(hit))
            if buffer.isEmpty && overflow == 0 {
                // Fast path: the whole line is inside this chunk, hand it out without copying.
                var length = end - start
                if length > 0 && base.load(fromByteOffset: end - 1, as: UInt8.self) == 0x0D { length -= 1 }
                if length > 0 {
                    let kept = min(length, maxLineBytes)
                    onLine(Line(bytes: UnsafeRawBufferPointer(start: base + start, count: kept),
                                byteCount: length, truncated: kept < length))
                }
            } else {
                appendPartial(UnsafeRawBufferPointer(start: base + start, count: end - start))
                emitBuffered(onLine)
            }
            start = end + 1
        }
    }

    /// Feeds a chunk and returns the complete lines, copied.
    public mutating func lines(in chunk: UnsafeRawBufferPointer) -> [OwnedLine] {
        var out: [OwnedLine] = []
        consume(chunk) { out.append(OwnedLine(bytes: Array($0.bytes), byteCount: $0.byteCount, truncated: $0.truncated)) }
        return out
    }

    /// At end of stream: hands out the final unterminated line, if any, and resets the framer.
    public mutating func finish(_ onLine: (Line) -> Void) {
        if !buffer.isEmpty || overflow > 0 { emitBuffered(onLine) }
    }

    /// At end of stream: returns the final unterminated line, copied, if there is one.
    public mutating func finish() -> OwnedLine? {
        var out: OwnedLine?
        finish { out = OwnedLine(bytes: Array($0.bytes), byteCount: $0.byteCount, truncated: $0.truncated) }
        return out
    }

    mutating func appendPartial(_ part: UnsafeRawBufferPointer) {
        guard part.count > 0 else { return }
        lastByte = part[part.count - 1]
        let room = maxLineBytes - buffer.count
        if room >= part.count {
            buffer.append(contentsOf: part)
        } else {
            if room > 0 { buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: part[0..<room])) }
            overflow &+= part.count - max(room, 0)
        }
    }

    mutating func emitBuffered(_ onLine: (Line) -> Void) {
        var total = buffer.count + overflow
        var kept = buffer.count
        if total > 0 && lastByte == 0x0D {
            total -= 1
            if overflow == 0 { kept -= 1 }
        }
        if total > 0 {
            buffer.withUnsafeBytes { raw in
                onLine(Line(bytes: UnsafeRawBufferPointer(rebasing: raw[0..<kept]), byteCount: total,
                            truncated: kept < total))
            }
        }
        buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
        overflow = 0
        lastByte = 0
    }
}
