import ArgumentParser
import Foundation
import ServiceLifecycle
import TelltaleCapture
#if canImport(Glibc)
import Glibc
#endif

/// `telltale run --port N -- CMD…`: starts an HTTP MCP server on a port of its own and records it through
/// the reverse proxy listening on N.
extension RunCommand {
    /// Checks the HTTP options: they need `--port`, and every value must parse.
    func validateHTTP() throws {
        guard let port else {
            if http.isUsed || childPort != nil || childPortEnv != "PORT" || childStartupTimeout != "30s" {
                throw ValidationError("--inspect-prefix, --context-header, --redact-header, --admin-addr and the --child-* options need --port")
            }
            return
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        if let childPort, !(1...65535).contains(childPort) {
            throw ValidationError("--child-port must be from 1 to 65535")
        }
        if let childPort, childPort == port { throw ValidationError("--child-port must differ from --port") }
        guard !childPortEnv.isEmpty, !childPortEnv.contains("=") else {
            throw ValidationError("--child-port-env must be a variable name")
        }
        guard let timeout = DurationArgument.seconds(childStartupTimeout), timeout > 0 else {
            throw ValidationError("invalid --child-startup-timeout '\(childStartupTimeout)': seconds, or a number with s, m, h or d")
        }
        if sessionID != nil { throw ValidationError("--session-id applies to stdio servers; HTTP sessions come from the traffic") }
        do { _ = try HTTPCaptureRuntime.captureOptions(capture: capture, http: http) } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Starts the server with its port in the environment, waits until it listens, then proxies and records
    /// until it exits; exits with its exit code.
    func runHTTP() async throws {
        StdioRelay.recordInheritedSignalState()
        guard let listenPort = port else { return }
        guard let childPort = childPort ?? PortProbe.freePort() else {
            RunDiagnostics.write("telltale: no free port for the server")
            throw ExitCode(1)
        }
        let process: ServerProcess
        do {
            process = try ServerProcess.start(command, environment: [childPortEnv: String(childPort)], forwardsSignals: true)
        } catch {
            RunDiagnostics.write("telltale: \(error)")
            throw ExitCode(error.shellExitCode)
        }
        try await waitUntilListening(process, port: childPort)
        let runtime: HTTPCaptureRuntime
        do {
            runtime = try HTTPCaptureRuntime(
                capture: capture, http: http, upstream: HostPort(host: "127.0.0.1", port: childPort),
                bind: HostPort(host: host, port: listenPort))
            _ = try await runtime.start()
        } catch {
            RunDiagnostics.write("telltale: \(error)")
            process.send(SIGTERM)
            _ = await process.exitStatus()
            throw ExitCode(1)
        }
        let watcher = ServiceGroupConfiguration.ServiceConfiguration(
            service: ServerProcessService(process: process), successTerminationBehavior: .gracefullyShutdownGroup)
        // Signals are forwarded to the server (SignalForwarder); telltale ends when the server does.
        try await ProxyCommand.serve(runtime, admin: http.resolvedAdminAddress, extra: [watcher], signals: [])
        let status = await process.exitStatus()
        throw ExitCode(status.shellExitCode)
    }

    /// Polls until the server accepts connections on `port`; exits with the server's code if it ended first,
    /// or stops it after `--child-startup-timeout`.
    private func waitUntilListening(_ process: ServerProcess, port childPort: Int) async throws {
        let timeout = DurationArgument.seconds(childStartupTimeout) ?? 30
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while !PortProbe.accepts(port: childPort) {
            if let status = process.exitStatusIfExited {
                RunDiagnostics.write("telltale: the server \(status) before listening on 127.0.0.1:\(childPort)")
                throw ExitCode(status.shellExitCode)
            }
            if ContinuousClock.now >= deadline {
                RunDiagnostics.write("telltale: the server did not listen on 127.0.0.1:\(childPort) within \(childStartupTimeout) (does it read $\(childPortEnv)?); stopping it")
                process.send(SIGTERM)
                _ = await process.exitStatus()
                throw ExitCode(1)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
