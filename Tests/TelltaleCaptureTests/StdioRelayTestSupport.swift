#if canImport(Glibc)
import Glibc
#endif
import Synchronization
@testable import TelltaleCapture

/// Helpers of the relay tests (a namespace, so other suites of this target can use the same names).
enum RelayTest {
    /// Records everything a relay shows its observer, in order.
    final class RecordingObserver: RelayObserver {
        enum Event: Equatable {
            case bytes(RelayDirection, [UInt8])
            case closed(RelayDirection)
        }

        private let events = Mutex<[Event]>([])

        func relayed(_ bytes: UnsafeRawBufferPointer, direction: RelayDirection) {
            let copy = [UInt8](bytes)
            events.withLock { $0.append(.bytes(direction, copy)) }
        }

        func closed(_ direction: RelayDirection) {
            events.withLock { $0.append(.closed(direction)) }
        }

        /// Every event so far.
        var all: [Event] { events.withLock { $0 } }

        /// The bytes seen in `direction`, concatenated in the order they were reported.
        func bytes(_ direction: RelayDirection) -> [UInt8] {
            var result: [UInt8] = []
            for case .bytes(let d, let chunk) in all where d == direction { result += chunk }
            return result
        }

        /// How many times `direction` was reported closed.
        func closeCount(_ direction: RelayDirection) -> Int {
            all.filter { $0 == .closed(direction) }.count
        }

        /// Whether any bytes of `direction` were reported after it was reported closed.
        func bytesAfterClose(_ direction: RelayDirection) -> Bool {
            var closed = false
            for event in all {
                switch event {
                case .closed(let d) where d == direction: closed = true
                case .bytes(let d, _) where d == direction && closed: return true
                default: break
                }
            }
            return false
        }
    }

    /// A close-on-exec pipe owned by a test.
    struct Pipe {
        let read: Int32
        let write: Int32

        init() throws {
            guard let fds = LinuxCalls.closeOnExecPipe() else { throw Failure("pipe: \(errno)") }
            read = fds.read
            write = fds.write
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Runs `body` on its own plain thread and returns its result (blocking I/O stays off the test pool).
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let started = RelayThread.start(name: "test-io") { continuation.resume(returning: body()) }
            precondition(started, "could not start a thread")
        }
    }

    /// Reads `fd` to end of file, then closes it.
    static func readToEnd(_ fd: Int32) -> [UInt8] {
        defer { close(fd) }
        return readExactly(fd, .max)
    }

    /// Reads from `fd` until `count` bytes arrived or end of file (or an error); does not close it.
    static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while result.count < count {
            let wanted = min(buffer.count, count - result.count)
            let read = buffer.withUnsafeMutableBytes { FileDescriptorIO.readSome(fd, into: $0.baseAddress!, capacity: wanted) }
            guard case .bytes(let n) = read else { break }
            result += buffer[..<n]
        }
        return result
    }

    /// Writes all of `bytes` to `fd` (returns false on error, e.g. EPIPE); closes `fd` if asked.
    @discardableResult
    static func writeAllBytes(_ fd: Int32, _ bytes: [UInt8], closeAfter: Bool = true) -> Bool {
        let ok = bytes.withUnsafeBytes { FileDescriptorIO.writeAll(fd, $0.baseAddress!, count: $0.count) == 0 }
        if closeAfter { close(fd) }
        return ok
    }

    /// Random bytes: invalid UTF-8, NULs, CR, LF, everything.
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for i in words.indices { words[i] = generator.next() }
            for i in (words.count * 8)..<count { raw[i] = UInt8.random(in: 0...255) }
        }
        return bytes
    }

    /// A relay of `command` whose client side is a pair of pipes held by the test.
    struct RelayHarness {
        /// The test writes the client's messages here (close it for EOF).
        let clientWrite: Int32
        /// The test reads the relayed output here.
        let clientRead: Int32
        let session: StdioRelaySession
        let observer: RecordingObserver
        private let relayOutput: Int32

        init(_ command: [String], bufferSize: Int = 64 * 1024, standardError: Int32? = nil) throws {
            let input = try Pipe()
            let output = try Pipe()
            let observer = RecordingObserver()
            let relay = StdioRelay(
                command: command, observer: observer, clientInput: input.read, clientOutput: output.write,
                childStandardError: standardError, bufferSize: bufferSize)
            session = try relay.start()
            self.observer = observer
            clientWrite = input.write
            clientRead = output.read
            relayOutput = output.write
            // The relay owns input.read from now on (it may swap it for /dev/null); it is never closed by it.
        }

        /// Waits for the child to exit and the output to drain, then closes the relay's end of the output
        /// pipe so that a reader of ``clientRead`` sees end of file.
        func finish() async -> ChildExitStatus {
            let status = await session.exitStatus()
            close(relayOutput)
            return status
        }
    }

    /// The `telltale` executable built next to this test bundle (`swift build` builds both).
    static func telltaleExecutable() throws -> String {
        if let path = getenv("TELLTALE_BIN") { return String(cString: path) }
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { throw Failure("cannot read /proc/self/exe") }
        let exe = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var directory = exe
        while let slash = directory.lastIndex(of: "/") {
            directory = String(directory[..<slash])
            let candidate = directory + "/telltale"
            var info = stat()
            if stat(candidate, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG { return candidate }
            if directory.hasSuffix("/debug") || directory.hasSuffix("/release") || directory.isEmpty { break }
        }
        throw Failure("telltale executable not found next to \(exe); run `swift build` first or set TELLTALE_BIN")
    }

    /// Polls `condition` every 10 ms for up to `limit`; whether it became true.
    static func eventually(within limit: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}
