import Foundation

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
        let thread = Thread {
            var lines = ExampleServerLineBuffer()
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                for line in lines.append(chunk[0..<count]) { continuation.yield(line) }
            }
            if let last = lines.remainder() { continuation.yield(last) }
            continuation.finish()
        }
        thread.name = "example-server-stdin"
        thread.start()
        return stream
    }
}
