import Foundation
import TelltaleCapture
import TelltaleCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads newline-delimited messages from a file descriptor on a dedicated thread.
///
/// Blocking `read` stays off the cooperative thread pool, so request tasks keep running while
/// the reader waits for the next line.
enum ExampleServerInput {
    /// The lines read from `descriptor` (without `\n` or `\r\n`), finishing at end of file or on a read error.
    static func lines(descriptor: Int32 = STDIN_FILENO) -> AsyncStream<Data> {
        let (stream, continuation) = AsyncStream.makeStream(of: Data.self)
        readLines(descriptor: descriptor, threadName: "example-server-stdin", onLine: { continuation.yield($0) }) {
            continuation.finish()
        }
        return stream
    }

    /// Starts a thread that reads `descriptor` to its end, calling `onLine` for each non-empty line
    /// (Core's ``LineFramer``, with no length limit), then `onEnd`.
    static func readLines(
        descriptor: Int32, threadName: String,
        onLine: @escaping @Sendable (Data) -> Void, onEnd: @escaping @Sendable () -> Void
    ) {
        let thread = Thread {
            var framer = LineFramer(maxLineBytes: .max)
            let capacity = 64 * 1024
            let chunk = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
            defer { chunk.deallocate() }
            reading: while true {
                switch FileDescriptorIO.readSome(descriptor, into: chunk, capacity: capacity) {
                case .bytes(let count):
                    framer.consume(UnsafeRawBufferPointer(start: chunk, count: count)) { onLine(Data($0.bytes)) }
                case .endOfFile, .failed:
                    break reading
                }
            }
            framer.finish { onLine(Data($0.bytes)) }
            onEnd()
        }
        thread.name = threadName
        thread.start()
    }
}
