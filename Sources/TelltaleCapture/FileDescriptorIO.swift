#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking read/write helpers on raw file descriptors that retry on `EINTR` and `EAGAIN`.
///
/// They never allocate: they run on the relay's hot path.
package enum FileDescriptorIO {
    /// What a single `readSome` produced.
    package enum ReadResult: Equatable {
        /// `count` bytes (more than zero) were read.
        case bytes(Int)
        /// The other side closed: end of file.
        case endOfFile
        /// `read` failed with this `errno`.
        case failed(Int32)
    }

    /// Reads up to `capacity` bytes into `buffer`, blocking until at least one byte, end of file or an error.
    @inline(__always)
    package static func readSome(_ fd: Int32, into buffer: UnsafeMutableRawPointer, capacity: Int) -> ReadResult {
        while true {
            let n = read(fd, buffer, capacity)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .endOfFile }
            let error = errno
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK {
                waitUntilReady(fd, events: Int16(POLLIN))
                continue
            }
            return .failed(error)
        }
    }

    /// Writes `line` and a newline to standard error in one `writeAll`, ignoring failures: a message
    /// of Telltale's own must never stop the process (`FileHandle.write` traps when stderr is gone).
    package static func writeLine(toStandardError line: String) {
        var text = line
        text.append("\n")
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            _ = writeAll(STDERR_FILENO, base, count: bytes.count)
        }
    }

    /// Writes all `count` bytes of `buffer`, looping over partial writes.
    ///
    /// - Returns: 0 on success, otherwise the `errno` of the failed `write` (`EPIPE` when the reader is gone).
    @inline(__always)
    package static func writeAll(_ fd: Int32, _ buffer: UnsafeRawPointer, count: Int) -> Int32 {
        var offset = 0
        while offset < count {
            let n = write(fd, buffer + offset, count - offset)
            if n >= 0 {
                offset += n
                continue
            }
            let error = errno
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK {
                waitUntilReady(fd, events: Int16(POLLOUT))
                continue
            }
            return error
        }
        return 0
    }

    /// Whether `fd` has bytes (or end of file) to read right now, without blocking.
    package static func isReadable(_ fd: Int32) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let n = poll(&pfd, 1, 0)
        return n > 0 && pfd.revents != 0
    }

    /// Blocks until `fd` is ready for `events` (used only for descriptors someone made non-blocking).
    private static func waitUntilReady(_ fd: Int32, events: Int16) {
        var pfd = pollfd(fd: fd, events: events, revents: 0)
        _ = poll(&pfd, 1, -1)
    }

    /// Replaces `fd` with `/dev/null` so that the peer of the original file sees it closed
    /// (a writer gets `EPIPE`) while the descriptor number stays valid for its owner.
    package static func detach(_ fd: Int32) {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        if null >= 0 {
            LinuxCalls.duplicateCloseOnExec(null, onto: fd)
            _ = close(null)
        }
    }

    /// Human-readable text for an `errno` value.
    package static func describe(_ error: Int32) -> String {
        guard let text = strerror(error) else { return "error \(error)" }
        return String(cString: text)
    }
}
