import Foundation
import TelltaleCore

/// Splits an NDJSON body into lines and decodes each non-empty line as a ``Call``, in parallel chunks.
enum IngestDecoder {
    /// A line that could not be decoded.
    struct Rejection: Codable, Sendable, Equatable {
        /// 0-based index of the line in the body (empty lines count).
        var line: Int
        var reason: String
    }

    /// The decoded calls (in body order) and the rejected lines (in body order).
    struct Result: Sendable {
        var calls: [Call]
        var rejected: [Rejection]
    }

    /// Lines per chunk below which decoding stays on the calling task.
    static let parallelThreshold = 256

    /// Decodes every non-empty line of `body`.
    static func decode(_ body: Data) async -> Result {
        let lines = lineRanges(body)
        let workers = min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 8)
        guard lines.count >= parallelThreshold * 2, workers > 1 else {
            return decode(body, lines: lines[...])
        }
        let chunkSize = (lines.count + workers - 1) / workers
        let chunks = stride(from: 0, to: lines.count, by: chunkSize).map { lines[$0..<min($0 + chunkSize, lines.count)] }
        let parts = await withTaskGroup(of: (Int, Result).self) { group in
            for (index, chunk) in chunks.enumerated() {
                group.addTask { (index, decode(body, lines: chunk)) }
            }
            var parts = [Result?](repeating: nil, count: chunks.count)
            for await (index, part) in group {
                parts[index] = part
            }
            return parts
        }
        var result = Result(calls: [], rejected: [])
        result.calls.reserveCapacity(lines.count)
        for part in parts {
            guard let part else { continue }
            result.calls.append(contentsOf: part.calls)
            result.rejected.append(contentsOf: part.rejected)
        }
        return result
    }

    /// A line: its index in the body and its byte range (without `\n` or a trailing `\r`).
    struct Line: Sendable {
        var index: Int
        var range: Range<Int>
    }

    /// The non-blank lines of `body`, with their indices.
    static func lineRanges(_ body: Data) -> [Line] {
        body.withUnsafeBytes { raw -> [Line] in
            let bytes = raw.bindMemory(to: UInt8.self)
            var lines: [Line] = []
            var start = 0
            var index = 0
            let count = bytes.count
            while start <= count {
                var end = start
                while end < count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                if end == count, start == count { break }
                var trimmedEnd = end
                if trimmedEnd > start, bytes[trimmedEnd - 1] == UInt8(ascii: "\r") { trimmedEnd -= 1 }
                var blank = true
                for i in start..<trimmedEnd where !isJSONWhitespace(bytes[i]) {
                    blank = false
                    break
                }
                if !blank {
                    lines.append(Line(index: index, range: (body.startIndex + start)..<(body.startIndex + trimmedEnd)))
                }
                index += 1
                start = end + 1
            }
            return lines
        }
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    private static func decode(_ body: Data, lines: ArraySlice<Line>) -> Result {
        var result = Result(calls: [], rejected: [])
        result.calls.reserveCapacity(lines.count)
        for line in lines {
            do {
                let call = try CallCodec.decode(line: body[line.range])
                if let problem = validate(call) {
                    result.rejected.append(Rejection(line: line.index, reason: problem))
                } else {
                    result.calls.append(call)
                }
            } catch {
                result.rejected.append(Rejection(line: line.index, reason: error.description))
            }
        }
        return result
    }

    /// The server's own rules beyond what ``CallCodec`` checks (empty id/method/session, negative
    /// sizes and durations are already rejected there); nil when the call is acceptable.
    static func validate(_ call: Call) -> String? {
        call.id.utf8.count > 200 ? "field 'id': longer than 200 bytes" : nil
    }
}
