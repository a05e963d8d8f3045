import ArgumentParser
import Foundation
import TelltaleServer
import TelltaleStore

extension ServeCommand {
    /// The dashboard options as a configuration.
    /// - Throws: `ValidationError` for a bad `--trace-link` or `--session-ttl`.
    func dashboardConfiguration() throws -> DashboardConfiguration {
        let link: TraceLinkTemplate?
        do {
            link = try traceLink.map(TraceLinkTemplate.init(parsing:))
        } catch let error as TraceLinkError {
            throw ValidationError(error.description)
        }
        guard let ttl = DurationArgument.seconds(sessionTTL), ttl >= 60 else {
            throw ValidationError("--session-ttl must be a duration of at least a minute, such as 3600, 90m, 12h or 7d; got '\(sessionTTL)'")
        }
        return DashboardConfiguration(sessionTTL: ttl, secureCookies: secureCookies, traceLink: link)
    }

    /// A fresh one-time sign-in token with admin rights on `project` (whoever reads the terminal owns the server).
    static func signInToken(store: some CallStore, project: Project, validFor: TimeInterval) async throws -> String {
        let grant = DashboardGrant(keyID: nil, project: project.id, scope: .admin)
        return try await store.createSignInToken(grant, expiresAt: Date().addingTimeInterval(validFor))
    }
}

/// Durations on the command line: `3600`, `45s`, `90m`, `12h`, `7d`.
enum DurationArgument {
    /// Seconds, or nil when `text` is not a positive duration.
    static func seconds(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let last = trimmed.last, let unit = units[last], let value = Double(trimmed.dropLast()), value > 0 {
            return value * unit
        }
        if let value = Double(trimmed), value > 0 { return value }
        return nil
    }

    /// `1 hour`, `2 hours`, `30 minutes`, `7 days`.
    static func describe(_ seconds: TimeInterval) -> String {
        func plural(_ value: Int, _ unit: String) -> String { "\(value) \(unit)\(value == 1 ? "" : "s")" }
        let whole = Int(seconds)
        if whole % 86400 == 0 { return plural(whole / 86400, "day") }
        if whole % 3600 == 0 { return plural(whole / 3600, "hour") }
        if whole % 60 == 0 { return plural(whole / 60, "minute") }
        return plural(whole, "second")
    }
}
