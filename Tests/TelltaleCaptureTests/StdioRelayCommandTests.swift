import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TelltaleCapture

/// The built `telltale run` executable, as a client would start it.
@Suite(.timeLimit(.minutes(2)))
struct StdioRelayCommandTests {
    static let noKeyNotice = "telltale: no API key (set TELLTALE_API_KEY or --api-key); relaying without recording\n"

    /// `telltale run --api-key '' -- command…` with pipes on all three standard streams.
    struct Wrapper {
        let process: ChildProcess
        let standardError: Int32

        init(_ command: [String], options: [String] = ["--api-key", ""]) throws {
            let errors = try RelayTest.Pipe()
            let executable = try RelayTest.telltaleExecutable()
            process = try ChildProcess.spawn([executable, "run"] + options + ["--"] + command, standardError: errors.write)
            close(errors.write)
            standardError = errors.read
        }

        /// Reaps the wrapper off the test pool.
        func exit() async -> ChildExitStatus {
            let process = process
            return await RelayTest.onThread { process.reap() }
        }
    }

    @Test("exit codes through the binary: 0, 3, and 137 for SIGKILL", arguments: [
        (["true"], Int32(0)),
        (["sh", "-c", "exit 3"], Int32(3)),
        (["sh", "-c", "kill -9 $$"], Int32(137)),
    ] as [([String], Int32)])
    func exitCodes(command: [String], expected: Int32) async throws {
        let wrapper = try Wrapper(command)
        close(wrapper.process.standardInput)
        async let output = RelayTest.onThread { RelayTest.readToEnd(wrapper.process.standardOutput) }
        async let errors = RelayTest.onThread { RelayTest.readToEnd(wrapper.standardError) }
        #expect(await wrapper.exit() == .exited(expected))
        #expect(await output.isEmpty)
        #expect(String(decoding: await errors, as: UTF8.self) == Self.noKeyNotice)
    }

    @Test("with capture on (the shipper opens sockets, SwiftNIO ignores SIGPIPE), the child still gets SIGPIPE's default: `yes` dies of it")
    func childKeepsDefaultBrokenPipe() async throws {
        // This test process may ignore SIGPIPE already (SwiftNIO in other tests): start the wrapper
        // with the default disposition, as a shell would.
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("telltale-sigpipe-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: spool) }
        let executable = try RelayTest.telltaleExecutable()
        let errors = try RelayTest.Pipe()
        let process = try ChildProcess.spawn([
            "env", "XDG_DATA_HOME=\(spool.path)", "python3", "-c",
            "import os, signal, sys; signal.signal(signal.SIGPIPE, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])",
            executable, "run", "--api-key", "tt_ingest_test", "--endpoint", "http://127.0.0.1:9", "--", "yes",
        ], standardError: errors.write)
        close(errors.write)
        let first = await RelayTest.onThread { RelayTest.readExactly(process.standardOutput, 10_000) }
        #expect(first.count == 10_000)
        close(process.standardOutput)  // the client is gone
        let status = await RelayTest.onThread { process.reap() }
        close(process.standardInput)
        close(errors.read)
        #expect(status == .exited(128 + SIGPIPE))
    }

    @Test("unknown command: one clear line on stderr, exit 127")
    func unknownCommand() async throws {
        let wrapper = try Wrapper(["telltale-no-such-program-xyz", "arg"])
        close(wrapper.process.standardInput)
        async let output = RelayTest.onThread { RelayTest.readToEnd(wrapper.process.standardOutput) }
        async let errors = RelayTest.onThread { RelayTest.readToEnd(wrapper.standardError) }
        #expect(await wrapper.exit() == .exited(127))
        #expect(await output.isEmpty)
        #expect(String(decoding: await errors, as: UTF8.self) == Self.noKeyNotice
            + "telltale: cannot run 'telltale-no-such-program-xyz': No such file or directory\n")
    }

    @Test("SIGTERM to the wrapper reaches the child, which traps it and exits 42; the wrapper exits 42")
    func sigtermForwarded() async throws {
        let script = """
            import signal, sys, time
            signal.signal(signal.SIGTERM, lambda *a: sys.exit(42))
            print('ready', flush=True)
            time.sleep(60)
            """
        let wrapper = try Wrapper(["python3", "-c", script])
        let fd = wrapper.process.standardOutput
        #expect(await RelayTest.onThread { RelayTest.readExactly(fd, 6) } == Array("ready\n".utf8))
        kill(wrapper.process.pid, SIGTERM)
        #expect(await wrapper.exit() == .exited(42))
        close(wrapper.process.standardInput)
        close(fd)
        close(wrapper.standardError)
    }

    @Test("SIGHUP, SIGINT and SIGUSR1 reach a child without handlers: it dies of them, the wrapper exits 128+signal",
          arguments: [SIGHUP, SIGINT, SIGUSR1])
    func signalKillsChild(signal: Int32) async throws {
        let wrapper = try Wrapper(["sh", "-c", "echo ready; exec sleep 60"])
        let fd = wrapper.process.standardOutput
        #expect(await RelayTest.onThread { RelayTest.readExactly(fd, 6) } == Array("ready\n".utf8))
        kill(wrapper.process.pid, signal)
        // `.exited`, not `.signaled`: the wrapper survived the signal and reported the child's death.
        #expect(await wrapper.exit() == .exited(128 + signal))
        close(wrapper.process.standardInput)
        close(fd)
        close(wrapper.standardError)
    }

    @Test("random bytes both ways through `telltale run -- cat`, and the child's stderr passes untouched")
    func passThroughAndStandardError() async throws {
        let payload = StdioRelayTests.awkwardPayload()
        let script = "import sys; sys.stderr.buffer.write(bytes(range(256)) * 64); sys.stderr.flush(); "
            + "sys.stdout.buffer.write(sys.stdin.buffer.read())"
        let wrapper = try Wrapper(["python3", "-c", script])
        let process = wrapper.process
        async let output = RelayTest.onThread { RelayTest.readToEnd(process.standardOutput) }
        async let errors = RelayTest.onThread { RelayTest.readToEnd(wrapper.standardError) }
        #expect(await RelayTest.onThread { RelayTest.writeAllBytes(process.standardInput, payload) })
        #expect(await wrapper.exit() == .exited(0))
        #expect(await output == payload)
        let expectedErrors = Array(Self.noKeyNotice.utf8) + (0..<64).flatMap { _ in (0...255).map(UInt8.init) }
        #expect(await errors == expectedErrors)
    }

    @Test("invalid options are refused before anything runs", arguments: [
        ["--tag", "novalue"], ["--tag", "=x"], ["--redact-key", "(unclosed"], ["--endpoint", "ftp://x"],
    ])
    func invalidOptions(options: [String]) async throws {
        let wrapper = try Wrapper(["sh", "-c", "echo ran"], options: options)
        close(wrapper.process.standardInput)
        async let output = RelayTest.onThread { RelayTest.readToEnd(wrapper.process.standardOutput) }
        async let errors = RelayTest.onThread { RelayTest.readToEnd(wrapper.standardError) }
        #expect(await wrapper.exit() == .exited(64))
        #expect(await output.isEmpty)
        #expect(String(decoding: await errors, as: UTF8.self).contains("Error: invalid"))
    }
}
