import ArgumentParser
import Foundation
import ServiceLifecycle
import TelltaleServer
import TelltaleStore

extension ServeCommand {
    /// The alert options as a configuration.
    /// - Throws: `ValidationError` for a bad `--alert-interval` or `--public-url`.
    func alertsConfiguration() throws -> AlertsConfiguration {
        guard let interval = DurationArgument.seconds(alertInterval), (1...30).contains(interval) else {
            throw ValidationError("--alert-interval must be a duration from 1s to 30s, such as 15s; got '\(alertInterval)'")
        }
        var url = publicURL
        if let text = publicURL {
            guard let parsed = URL(string: text), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                throw ValidationError("--public-url must be an http or https URL, such as https://telltale.example.com; got '\(text)'")
            }
            url = text.hasSuffix("/") ? String(text.dropLast()) : text
        } else if port != 0 {
            url = Self.url(host: host, port: port)
        }
        return AlertsConfiguration(
            allowPrivateTargets: allowPrivateTargets, publicURL: url,
            evaluationInterval: .milliseconds(Int64(interval * 1000))
        )
    }

    /// Warns on stderr when alert links would point at an address other machines cannot open
    /// (`--host 0.0.0.0`, `--port 0`) and no `--public-url` is set.
    func warnWithoutPublicURL() {
        guard publicURL == nil, port == 0 || ["0.0.0.0", "::", "[::]", ""].contains(host) else { return }
        let message = "telltale serve: alert notifications link to the dashboard at \(Self.url(host: host, port: port)), "
            + "which other machines cannot open; set --public-url to the address people reach this server at\n"
        FileHandle.standardError.write(Data(message.utf8))
    }

    /// The SMTP options (password from `TELLTALE_SMTP_PASSWORD`), or nil without `--smtp-host`.
    /// - Throws: `ValidationError` for a bad port or STARTTLS mode, or a missing sender or password.
    func smtpSettings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SMTPConfiguration? {
        guard (1...65535).contains(smtpPort) else { throw ValidationError("--smtp-port must be from 1 to 65535") }
        guard let startTLS = SMTPConfiguration.StartTLSMode(rawValue: smtpStartTLS) else {
            throw ValidationError("--smtp-starttls must be required, opportunistic or off; got '\(smtpStartTLS)'")
        }
        guard let smtpHost else {
            if smtpUser != nil || smtpFrom != nil { throw ValidationError("--smtp-user and --smtp-from need --smtp-host") }
            return nil
        }
        guard let smtpFrom, !smtpFrom.isEmpty else { throw ValidationError("--smtp-from is required with --smtp-host") }
        guard EmailAddress.isPlausible(smtpFrom) else {
            throw ValidationError("--smtp-from must be an email address such as alerts@example.com or \"Telltale <alerts@example.com>\"; got '\(smtpFrom)'")
        }
        let password = environment["TELLTALE_SMTP_PASSWORD"]
        if smtpUser != nil, password == nil {
            throw ValidationError("--smtp-user needs the password in the environment variable TELLTALE_SMTP_PASSWORD")
        }
        return SMTPConfiguration(host: smtpHost, port: smtpPort, startTLS: startTLS, username: smtpUser, password: password, from: smtpFrom)
    }

    /// Loads `--rules` into the store; on a bad file prints every problem (file:line: …) and exits 1.
    func loadRules(store: any CallStore, defaultProject: Project) async throws {
        guard let rules else { return }
        do {
            let file = try RulesFile.load(path: rules)
            let project = try await file.install(
                file: (rules as NSString).lastPathComponent, store: store, defaultProject: defaultProject,
                allowPrivateTargets: allowPrivateTargets
            )
            let message = "loaded \(file.rules.count) alert rule(s) and \(file.channels.count) channel(s) from \(rules) into project \"\(project.name)\"\n"
            FileHandle.standardError.write(Data(message.utf8))
        } catch let error as RulesFileError {
            FileHandle.standardError.write(Data("telltale serve: invalid rules file:\n\(error.description)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// The alert services of `telltale serve`: the dispatcher (delivery, test notifications) and the engine
    /// (evaluation every `--alert-interval`), in the order the service group starts them.
    func alertServices(store: SQLiteCallStore, alerts: AlertsConfiguration) throws -> (dispatcher: AlertDispatcher, services: [any Service]) {
        let publicURL = alerts.publicURL ?? Self.url(host: host, port: port)
        let dispatcher = AlertDispatcher(
            store: store, smtp: try smtpSettings(), targetGuard: AlertTargetGuard(allowPrivateTargets: alerts.allowPrivateTargets),
            testDashboardURL: publicURL + "/alerts"
        )
        let engine = AlertEngine(
            store: store, dispatcher: dispatcher,
            configuration: AlertEngineConfiguration(interval: alerts.evaluationInterval, publicBaseURL: publicURL)
        )
        return (dispatcher, [AlertDispatcherService(dispatcher: dispatcher), engine])
    }
}
