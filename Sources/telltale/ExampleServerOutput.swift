import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes newline-delimited JSON-RPC messages to a file descriptor, one whole line at a time.
///
/// Many request tasks answer concurrently; `lock` makes each line's bytes contiguous on the wire.
final class ExampleServerOutput: Sendable {
    private let descriptor: Int32
    /// Guards the descriptor so lines from concurrent tasks never interleave; holds whether the peer went away.
    private let lock = Mutex(false)

    /// Creates a writer on `descriptor` (standard output by default).
    init(descriptor: Int32 = STDOUT_FILENO) {
        self.descriptor = descriptor
    }

    /// Serializes `message` as one line and writes it; returns false when it could not be written.
    @discardableResult
    func send(_ message: [String: Any]) -> Bool {
        guard JSONSerialization.isValidJSONObject(message),
              var line = try? JSONSerialization.data(withJSONObject: message, options: [.withoutEscapingSlashes])
        else {
            ExampleServerLog.write("could not serialize a reply; dropped")
            return false
        }
        line.append(0x0A)
        return lock.withLock { closed in
            if closed { return false }
            let written = line.withUnsafeBytes { buffer -> Bool in
                var offset = 0
                while offset < buffer.count {
                    let count = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if count < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    offset += count
                }
                return true
            }
            if !written {
                closed = true
                ExampleServerLog.write("stdout closed; replies are no longer delivered")
            }
            return written
        }
    }
}
