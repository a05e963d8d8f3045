import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a byte stream into `\n`-terminated lines (a trailing `\r` is dropped), across partial reads.
///
/// Each byte is scanned once, so very long lines arriving in many chunks cost linear time.
/// Used by the example server's stdin reader and by the demo traffic's pipe readers.
struct ExampleServerLineBuffer {
    private var buffer: [UInt8] = []
    /// Bytes before this offset are known to contain no newline.
    private var scanned = 0

    /// Appends `bytes` and returns every line they completed.
    mutating func append<Bytes: Sequence>(_ bytes: Bytes) -> [Data] where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        var lines: [Data] = []
        var lineStart = 0
        while let newline = nextNewline() {
            var end = newline
            if end > lineStart && buffer[end - 1] == 0x0D { end -= 1 }
            lines.append(Data(buffer[lineStart..<end]))
            lineStart = newline + 1
            scanned = lineStart
        }
        scanned = buffer.count
        if lineStart > 0 {
            buffer.removeFirst(lineStart)
            scanned -= lineStart
        }
        return lines
    }

    /// The bytes after the last newline (an unterminated last line), emptying the buffer.
    mutating func remainder() -> Data? {
        defer { buffer = []; scanned = 0 }
        return buffer.isEmpty ? nil : Data(buffer)
    }

    private func nextNewline() -> Int? {
        buffer.withUnsafeBufferPointer { bytes -> Int? in
            guard scanned < bytes.count, let base = bytes.baseAddress,
                  let hit = memchr(base + scanned, 0x0A, bytes.count - scanned)
            else { return nil }
            return UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - base
        }
    }
}
