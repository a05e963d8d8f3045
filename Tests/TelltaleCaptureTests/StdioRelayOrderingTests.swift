#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import TelltaleCapture

/// The observer sees cause before effect across the two directions, even when its call for the cause
/// is slow (or its thread is descheduled) and the peer answers at once.
@Suite(.timeLimit(.minutes(1)))
struct StdioRelayOrderingTests {
    /// Records each chunk when its observer call *ends*, after sleeping in calls for `slowDirection`.
    final class SlowObserver: RelayObserver {
        let slowDirection: RelayDirection
        let events = Mutex<[(RelayDirection, [UInt8])]>([])

        init(slow direction: RelayDirection) { slowDirection = direction }

        func relayed(_ bytes: UnsafeRawBufferPointer, direction: RelayDirection) {
            let copy = [UInt8](bytes)
            if direction == slowDirection { usleep(30_000) }
            events.withLock { $0.append((direction, copy)) }
        }

        func closed(_ direction: RelayDirection) {}

        /// The sequence of directions, merging consecutive chunks of the same direction.
        var directions: [RelayDirection] {
            events.withLock { events in
                var result: [RelayDirection] = []
                for (direction, _) in events where result.last != direction { result.append(direction) }
                return result
            }
        }
    }

    static func start(_ command: [String], observer: SlowObserver) throws -> (StdioRelaySession, RelayTest.Pipe, RelayTest.Pipe) {
        let input = try RelayTest.Pipe()
        let output = try RelayTest.Pipe()
        let relay = StdioRelay(command: command, observer: observer, clientInput: input.read, clientOutput: output.write)
        return (try relay.start(), input, output)
    }

    @Test("a request observed slowly is still seen before the response it caused")
    func requestBeforeResponse() async throws {
        let observer = SlowObserver(slow: .clientToServer)
        let script = "import sys\nfor line in sys.stdin:\n    sys.stdout.write('re:' + line); sys.stdout.flush()"
        let (session, input, output) = try Self.start(["python3", "-u", "-c", script], observer: observer)
        for i in 0..<5 {
            let line = Array("request \(i)\n".utf8)
            _ = await RelayTest.onThread { RelayTest.writeAllBytes(input.write, line, closeAfter: false) }
            #expect(await RelayTest.onThread { RelayTest.readExactly(output.read, line.count + 3) } == Array("re:".utf8) + line)
        }
        close(input.write)
        #expect(await session.exitStatus() == .exited(0))
        close(output.write)
        close(output.read)
        #expect(observer.directions == Array(repeating: [.clientToServer, .serverToClient], count: 5).flatMap { $0 })
    }

    @Test("a server→client request observed slowly is still seen before the client's answer")
    func serverRequestBeforeClientAnswer() async throws {
        let observer = SlowObserver(slow: .serverToClient)
        let script = "import sys\nprint('ping', flush=True)\nline = sys.stdin.readline()\nprint('got ' + line.strip(), flush=True)"
        let (session, input, output) = try Self.start(["python3", "-u", "-c", script], observer: observer)
        #expect(await RelayTest.onThread { RelayTest.readExactly(output.read, 5) } == Array("ping\n".utf8))
        _ = await RelayTest.onThread { RelayTest.writeAllBytes(input.write, Array("pong\n".utf8), closeAfter: false) }
        #expect(await RelayTest.onThread { RelayTest.readExactly(output.read, 9) } == Array("got pong\n".utf8))
        close(input.write)
        #expect(await session.exitStatus() == .exited(0))
        close(output.write)
        close(output.read)
        #expect(observer.directions == [.serverToClient, .clientToServer, .serverToClient])
    }

    @Test("a direction blocked writing to a peer that does not read never stalls the other direction")
    func blockedWriterDoesNotStallOtherDirection() async throws {
        // The child never reads stdin but streams 4 MiB to stdout; the client keeps writing meanwhile.
        let observer = SlowObserver(slow: .serverToClient)
        let script = "import sys, time\nfor _ in range(64):\n    sys.stdout.buffer.write(b'y' * 65536); sys.stdout.flush()"
        let (session, input, output) = try Self.start(["python3", "-c", script], observer: observer)
        let writer = Task { await RelayTest.onThread { RelayTest.writeAllBytes(input.write, RelayTest.randomBytes(1 << 20), closeAfter: false) } }
        let received = await RelayTest.onThread { RelayTest.readExactly(output.read, 64 * 65536) }
        #expect(received.count == 64 * 65536)
        #expect(await session.exitStatus() == .exited(0))
        close(input.write)  // the writer gets EPIPE once the relay replaced its input with /dev/null or ends
        _ = await writer.value
        close(output.write)
        close(output.read)
    }
}
