import ArgumentParser
import Logging
import ServiceLifecycle
import UnixSignals
import TelltaleCapture

/// `telltale proxy UPSTREAM BIND`: a recording reverse proxy in front of a running HTTP MCP server.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Front a running HTTP MCP server (Streamable HTTP or legacy SSE) and record its calls.",
        discussion: """
            Clients connect to BIND; every request is relayed to UPSTREAM with its status, headers and body \
            unchanged (SSE frames are forwarded as they arrive). Traffic under the inspected prefixes is paired \
            into calls and shipped to the collector. Credential headers are never stored. Stops on SIGINT or \
            SIGTERM after flushing captured calls.
            """
    )

    @Argument(help: ArgumentHelp("The server to front: host:port or http://host:port.", valueName: "upstream"))
    var upstream: String

    @Argument(help: ArgumentHelp("Where to listen: host:port (or just a port, on 127.0.0.1).", valueName: "bind"))
    var bind: String

    @OptionGroup(title: "HTTP capture")
    var http: HTTPProxyArguments

    @OptionGroup(title: "Capture")
    var capture: CaptureArguments

    func validate() throws {
        do { _ = try HostPort(parsing: upstream, allowURL: true) } catch { throw ValidationError(error.description) }
        do { _ = try HostPort(parsing: bind, defaultHost: "127.0.0.1") } catch { throw ValidationError(error.description) }
        do { _ = try HTTPCaptureRuntime.captureOptions(capture: capture, http: http) } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        let upstream = try HostPort(parsing: upstream, allowURL: true)
        let bind = try HostPort(parsing: bind, defaultHost: "127.0.0.1")
        let runtime = try HTTPCaptureRuntime(capture: capture, http: http, upstream: upstream, bind: bind)
        let port: Int
        do {
            port = try await runtime.start()
        } catch {
            RunDiagnostics.write("telltale: \(error)")
            throw ExitCode(1)
        }
        RunDiagnostics.write("telltale: proxying http://\(HostPort(host: bind.host, port: port)) → http://\(upstream)")
        try await Self.serve(runtime, admin: http.resolvedAdminAddress, extra: [], signals: [.sigterm, .sigint])
    }

    /// Runs capture (and the admin endpoint, and `extra` services) until a signal or a service ends it.
    static func serve(
        _ runtime: HTTPCaptureRuntime, admin: HostPort?, extra: [ServiceGroupConfiguration.ServiceConfiguration],
        signals: [UnixSignal]
    ) async throws {
        var services = [ServiceGroupConfiguration.ServiceConfiguration(service: HTTPCaptureService(runtime: runtime))]
        if let admin {
            services.append(.init(service: AdminServer.application(address: admin, runtime: runtime)))
        }
        services += extra
        var logger = Logger(label: "telltale.proxy")
        logger.logLevel = .warning
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: signals, logger: logger))
        do {
            try await group.run()
        } catch {
            await runtime.stop()
            RunDiagnostics.write("telltale: \(error)")
            throw ExitCode(1)
        }
    }
}
