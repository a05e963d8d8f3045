import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TelltaleServer
import TelltaleStore

/// `telltale serve`: the collector and query API on the embedded SQLite store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Telltale server: ingest from `telltale run`, store in SQLite, serve the query API and dashboard.",
        discussion: """
            On first start (no API key yet) it creates an ingest key and a read key and prints them once.
            Every start prints the dashboard URL and a one-time sign-in link (valid 1 hour, single use).
            Stops gracefully on SIGINT or SIGTERM.
            """
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 7340

    @Option(help: "Data directory (the SQLite database lives here).")
    var data = DataDirectory.defaultPath

    @Flag(help: "Also run live demo traffic: simulated MCP clients through `telltale run` around the example server.")
    var demo = false

    @Option(name: .customLong("trace-link"), help: ArgumentHelp(
        "Link trace ids on the call page to your tracing tool: \(TraceLinkTemplate.presetHelp).",
        valueName: "preset-or-template"
    ))
    var traceLink: String?

    @Option(name: .customLong("session-ttl"), help: ArgumentHelp(
        "How long a dashboard sign-in lasts: seconds, or a number with s, m, h or d (default 7d).", valueName: "duration"
    ))
    var sessionTTL = "7d"

    @Flag(name: .customLong("secure-cookies"), help: "Mark the dashboard session cookie Secure (serve the dashboard over HTTPS).")
    var secureCookies = false

    @Option(help: ArgumentHelp(
        "Alert rules and channels to load at start-up (YAML or JSON); they replace the rules of an earlier file.",
        valueName: "file"
    ))
    var rules: String?

    @Flag(name: .customLong("allow-private-targets"), help: "Allow Slack and webhook URLs on loopback, link-local, private and other non-public addresses.")
    var allowPrivateTargets = false

    @Option(name: .customLong("smtp-host"), help: "SMTP server for email alerts (password from TELLTALE_SMTP_PASSWORD).")
    var smtpHost: String?

    @Option(name: .customLong("smtp-port"), help: "SMTP port.")
    var smtpPort = 587

    @Option(name: .customLong("smtp-starttls"), help: ArgumentHelp("STARTTLS: required, opportunistic (no AUTH without TLS) or off.", valueName: "mode"))
    var smtpStartTLS = "required"

    @Option(name: .customLong("smtp-user"), help: "SMTP user for AUTH PLAIN/LOGIN.")
    var smtpUser: String?

    @Option(name: .customLong("smtp-from"), help: ArgumentHelp("Sender address of alert emails.", valueName: "address"))
    var smtpFrom: String?

    @Option(name: .customLong("public-url"), help: ArgumentHelp("The dashboard's URL for links in alerts (default: the listen URL).", valueName: "url"))
    var publicURL: String?

    @Option(name: .customLong("alert-interval"), help: ArgumentHelp("How often alert rules are evaluated: 1s to 30s.", valueName: "duration"))
    var alertInterval = "15s"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        _ = try dashboardConfiguration()
        _ = try alertsConfiguration()
        _ = try smtpSettings()
    }

    func run() async throws {
        // Logs go to stderr, so stdout carries only the banner (URL and keys) that scripts may read.
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let directory = DataDirectory.url(data)
        let store = try SQLiteCallStore(directory: directory)
        let keys = try await StartupKeys.prepare(store: store, demo: demo)
        let dashboard = try dashboardConfiguration()
        let alerts = try alertsConfiguration()
        warnWithoutPublicURL()
        try await loadRules(store: store, defaultProject: keys.project)
        let signInToken = try await Self.signInToken(store: store, project: keys.project, validFor: dashboard.signInLinkTTL)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let host = host
        let listening = ListeningFlag()
        let executable = DemoTraffic.currentExecutable
        let demoServices: [any Service] = keys.demo.map { key in
            [DemoService(ports: ports, host: host, executable: executable, ingestKey: key.plaintext)]
        } ?? []
        let alerting = try alertServices(store: store, alerts: alerts)
        do {
            // Shut down in reverse: demo traffic, then the alert engine, then delivery, then the HTTP server.
            try await TelltaleServer.run(
                store: store,
                configuration: ServerConfiguration(host: host, port: port, dashboard: dashboard, alerts: alerts),
                alertServices: AlertServices(testSender: alerting.dispatcher),
                stoppedFirst: alerting.services + demoServices,
                onServerRunning: { port in
                    listening.value.withLock { $0 = true }
                    let url = Self.url(host: host, port: port)
                    let banner = keys.banner(
                        url: url, dataDirectory: directory.path, signInLink: "\(url)/login/\(signInToken)",
                        signInValidity: DurationArgument.describe(dashboard.signInLinkTTL)
                    )
                    FileHandle.standardOutput.write(Data(banner.utf8))
                    portContinuation.yield(port)
                    portContinuation.finish()
                }
            )
        } catch {
            // Before the server listens, the likely failure is the address (in use, not local, no permission).
            if listening.value.withLock({ $0 }) { throw error }
            throw ServeError(address: "\(host):\(port)", underlying: error)
        }
    }

    /// Whether the server got to listen (set from Hummingbird's `onServerRunning`).
    final class ListeningFlag: Sendable {
        let value = Mutex(false)
    }

    /// The server could not start on the requested address.
    struct ServeError: Error, CustomStringConvertible {
        var address: String
        var underlying: any Error
        var description: String { "cannot listen on \(address): \(underlying)" }
    }

    /// The base URL clients use; a wildcard listen address is reached through loopback.
    static func url(host: String, port: Int) -> String {
        let reachable = host == "0.0.0.0" || host.isEmpty ? "127.0.0.1" : (host == "::" ? "::1" : host)
        let bracketed = reachable.contains(":") ? "[\(reachable)]" : reachable
        return "http://\(bracketed):\(port)"
    }
}
