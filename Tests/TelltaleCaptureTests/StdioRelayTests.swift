#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TelltaleCapture

/// The relay run in-process with explicit client descriptors, around real child processes.
@Suite(.timeLimit(.minutes(2)))
struct StdioRelayTests {
    /// Random bytes with an 8 MiB line, invalid UTF-8 and no trailing newline.
    static func awkwardPayload() -> [UInt8] {
        var bytes = RelayTest.randomBytes(300_000)
        var line = RelayTest.randomBytes(8 * 1024 * 1024)
        for i in line.indices where line[i] == 0x0A { line[i] = 0xFF }  // one 8 MiB line, no LF inside
        bytes.append(0x0A)
        bytes += line
        bytes.append(0x0A)
        bytes += [0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1, 0xF0, 0x28, 0x8C, 0xBC, 0x00, 0x0D]  // invalid UTF-8, NUL, CR
        bytes += RelayTest.randomBytes(777)
        if bytes.last == 0x0A { bytes[bytes.count - 1] = 0x20 }  // no trailing newline
        return bytes
    }

    @Test("cat: random bytes, an 8 MiB line, no trailing newline come back identical; the observer sees them in order")
    func passThroughBothDirections() async throws {
        let payload = Self.awkwardPayload()
        let relay = try RelayTest.RelayHarness(["cat"])
        async let received = RelayTest.onThread { RelayTest.readToEnd(relay.clientRead) }
        let written = await RelayTest.onThread { RelayTest.writeAllBytes(relay.clientWrite, payload) }
        let status = await relay.finish()
        let output = await received

        #expect(written)
        #expect(status == .exited(0))
        #expect(output.count == payload.count)
        #expect(output == payload)
        #expect(relay.observer.bytes(.clientToServer) == payload)
        #expect(relay.observer.bytes(.serverToClient) == payload)
        #expect(relay.observer.closeCount(.serverToClient) == 1)
        #expect(!relay.observer.bytesAfterClose(.serverToClient))
    }

    @Test("a tiny read buffer splits chunks at odd places and still relays identical bytes")
    func tinyBuffer() async throws {
        let payload = RelayTest.randomBytes(100_003)
        let relay = try RelayTest.RelayHarness(["cat"], bufferSize: 7)
        async let received = RelayTest.onThread { RelayTest.readToEnd(relay.clientRead) }
        _ = await RelayTest.onThread { RelayTest.writeAllBytes(relay.clientWrite, payload) }
        let status = await relay.finish()
        #expect(status == .exited(0))
        #expect(await received == payload)
        let chunks = relay.observer.all.compactMap { event -> Int? in
            if case .bytes(.serverToClient, let chunk) = event { return chunk.count }
            return nil
        }
        #expect(chunks.allSatisfy { $0 <= 7 })
        #expect(relay.observer.bytes(.serverToClient) == payload)
    }

    @Test("server → client: known bytes written by the child arrive unchanged and are observed")
    func serverOutput() async throws {
        let script = "import sys; sys.stdout.buffer.write(bytes(range(256)) * 4099)"
        let relay = try RelayTest.RelayHarness(["python3", "-c", script])
        close(relay.clientWrite)
        async let received = RelayTest.onThread { RelayTest.readToEnd(relay.clientRead) }
        let status = await relay.finish()
        let expected = [UInt8]((0..<4099).flatMap { _ in (0...255).map(UInt8.init) })
        #expect(status == .exited(0))
        #expect(await received == expected)
        #expect(relay.observer.bytes(.serverToClient) == expected)
        #expect(relay.observer.closeCount(.serverToClient) == 1)
    }

    @Test("closing the client's side gives the child end of file")
    func stdinEndOfFile() async throws {
        let script = "import sys; d = sys.stdin.buffer.read(); sys.stdout.write('read %d bytes then EOF' % len(d))"
        let relay = try RelayTest.RelayHarness(["python3", "-c", script])
        async let received = RelayTest.onThread { RelayTest.readToEnd(relay.clientRead) }
        _ = await RelayTest.onThread { RelayTest.writeAllBytes(relay.clientWrite, RelayTest.randomBytes(12_345)) }
        let status = await relay.finish()
        #expect(status == .exited(0))
        #expect(String(decoding: await received, as: UTF8.self) == "read 12345 bytes then EOF")
        #expect(relay.observer.bytes(.clientToServer).count == 12_345)
        // The input pump reports its close on its own thread, right after closing the child's stdin.
        #expect(await RelayTest.eventually { relay.observer.closeCount(.clientToServer) == 1 })
    }

    @Test("exit codes: 0, 3, and killed by SIGKILL → 137", arguments: [
        (["true"], ChildExitStatus.exited(0), Int32(0)),
        (["sh", "-c", "exit 3"], .exited(3), 3),
        (["sh", "-c", "kill -9 $$"], .signaled(SIGKILL), 137),
    ])
    func exitCodes(command: [String], expected: ChildExitStatus, shellCode: Int32) async throws {
        let relay = try RelayTest.RelayHarness(command)
        close(relay.clientWrite)
        async let received = RelayTest.onThread { RelayTest.readToEnd(relay.clientRead) }
        let status = await relay.finish()
        #expect(status == expected)
        #expect(status.shellExitCode == shellCode)
        #expect(await received.isEmpty)
    }

    @Test("stderr goes straight to the child's stderr, untouched, and is not observed")
    func standardErrorUntouched() async throws {
        let errors = try RelayTest.Pipe()
        let script = "import sys; sys.stderr.buffer.write(bytes(range(255, -1, -1)) * 100); sys.stdout.write('out')"
        let relay = try RelayTest.RelayHarness(["python3", "-c", script], standardError: errors.write)
        close(errors.write)
        close(relay.clientWrite)
        async let stderrBytes = RelayTest.onThread { RelayTest.readToEnd(errors.read) }
        async let received = RelayTest.onThread { RelayTest.readToEnd(relay.clientRead) }
        let status = await relay.finish()
        #expect(status == .exited(0))
        #expect(await stderrBytes == [UInt8]((0..<100).flatMap { _ in (0...255).reversed().map(UInt8.init) }))
        #expect(await received == Array("out".utf8))
        #expect(relay.observer.bytes(.serverToClient) == Array("out".utf8))
    }

    @Test("an unknown program fails like a shell: ENOENT, exit code 127")
    func unknownProgram() throws {
        let relay = StdioRelay(command: ["telltale-no-such-program-xyz"])
        let error = #expect(throws: SpawnError.self) { try relay.start() }
        #expect(error?.errorNumber == ENOENT)
        #expect(error?.shellExitCode == 127)
        #expect(error?.description == "cannot run 'telltale-no-such-program-xyz': No such file or directory")
    }

    @Test("client gone (EPIPE): the relay stops that direction, the child sees EPIPE itself and exits as it chooses")
    func clientStopsReading() async throws {
        let script = """
            import sys, os
            try:
                while True:
                    sys.stdout.buffer.write(b'x' * 65536); sys.stdout.flush()
            except BrokenPipeError:
                os._exit(7)
            """
        let relay = try RelayTest.RelayHarness(["python3", "-c", script])
        let first = await RelayTest.onThread { RelayTest.readExactly(relay.clientRead, 100_000) }
        #expect(first.count == 100_000)
        close(relay.clientRead)  // the client is gone
        let status = await relay.finish()
        close(relay.clientWrite)
        #expect(status == .exited(7))
        #expect(relay.observer.closeCount(.serverToClient) == 1)
    }

    @Test("a grandchild holding stdout open does not keep the relay waiting after the child exited")
    func orphanedOutput() async throws {
        let relay = try RelayTest.RelayHarness(["sh", "-c", "sleep 3 & echo done"])
        close(relay.clientWrite)
        // Timed on a plain thread: the test pool may be busy with other tests' CPU work.
        let (status, waited) = await RelayTest.onThread {
            let start = ContinuousClock.now
            let status = relay.session.waitForExit()
            return (status, ContinuousClock.now - start)
        }
        #expect(status == .exited(0))
        #expect(waited < .seconds(2))
        #expect(relay.observer.bytes(.serverToClient) == Array("done\n".utf8))
        #expect(relay.observer.closeCount(.serverToClient) == 1)
        #expect(await RelayTest.onThread { RelayTest.readExactly(relay.clientRead, 5) } == Array("done\n".utf8))
    }

    @Test("request/response lines through a line echo server: each response arrives, the observer sees both sides")
    func lineByLine() async throws {
        let script = """
            import sys
            for line in sys.stdin.buffer:
                sys.stdout.buffer.write(b'{"result":' + line.rstrip(b'\\n') + b'}\\n'); sys.stdout.flush()
            """
        let relay = try RelayTest.RelayHarness(["python3", "-u", "-c", script])
        var sent: [UInt8] = []
        var expected: [UInt8] = []
        for i in 0..<50 {
            let line = Array("{\"jsonrpc\":\"2.0\",\"id\":\(i),\"method\":\"tools/call\"}\n".utf8)
            let response = Array("{\"result\":".utf8) + line.dropLast() + Array("}\n".utf8)
            let fd = relay.clientWrite
            _ = await RelayTest.onThread { RelayTest.writeAllBytes(fd, line, closeAfter: false) }
            let got = await RelayTest.onThread { RelayTest.readExactly(relay.clientRead, response.count) }
            #expect(got == response)
            sent += line
            expected += response
        }
        close(relay.clientWrite)
        let status = await relay.finish()
        #expect(status == .exited(0))
        #expect(relay.observer.bytes(.clientToServer) == sent)
        #expect(relay.observer.bytes(.serverToClient) == expected)
    }
}
