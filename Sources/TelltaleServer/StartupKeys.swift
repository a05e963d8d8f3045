import Foundation
import TelltaleStore

/// The keys `telltale serve` creates and prints: on first start (no key exists yet) and for `--demo`.
public struct StartupKeys: Sendable {
    /// The project the keys belong to (the first project, `default` on a new store).
    public var project: Project
    /// Keys created on this start because the store had none: an ingest key and a read key.
    public var firstStart: [IssuedKey]
    /// The ingest key created for the demo traffic (with `--demo`).
    public var demo: IssuedKey?
    /// A read key created with `--demo`, so the banner can show a working query.
    public var demoRead: IssuedKey?

    /// The label of the keys `--demo` creates; earlier ones are revoked on each demo start.
    public static let demoLabel = "demo"

    public init(project: Project, firstStart: [IssuedKey] = [], demo: IssuedKey? = nil, demoRead: IssuedKey? = nil) {
        self.project = project
        self.firstStart = firstStart
        self.demo = demo
        self.demoRead = demoRead
    }

    /// Ensures the default project exists; creates an ingest and a read key when the store has no key at all,
    /// and, when `demo` is set, an ingest and a read key labelled `demo` (revoking earlier `demo` keys, whose
    /// plaintext nobody can know any more).
    public static func prepare(store: SQLiteCallStore, demo: Bool) async throws -> StartupKeys {
        let projects = try await store.projects()
        guard let project = projects.first else { throw StartupError.noProject }
        var anyKey = false
        for candidate in projects where !(try await store.keys(project: candidate.id).isEmpty) {
            anyKey = true
            break
        }
        var created: [IssuedKey] = []
        if !anyKey {
            created.append(try await store.createKey(project: project.id, scope: .ingest, label: "first start"))
            created.append(try await store.createKey(project: project.id, scope: .read, label: "first start"))
        }
        var keys = StartupKeys(project: project, firstStart: created)
        if demo {
            for old in try await store.keys(project: project.id) where old.label == demoLabel && old.revokedAt == nil {
                try await store.revokeKey(id: old.id)
            }
            keys.demo = try await store.createKey(project: project.id, scope: .ingest, label: demoLabel)
            keys.demoRead = try await store.createKey(project: project.id, scope: .read, label: demoLabel)
        }
        return keys
    }

    /// What `telltale serve` prints once it listens on `url`; with `signInLink`, the dashboard address and that
    /// one-time sign-in link (valid for `signInValidity`, e.g. "1 hour") come before the API reference.
    public func banner(url: String, dataDirectory: String, signInLink: String? = nil, signInValidity: String = "1 hour") -> String {
        var lines = ["Telltale is listening on \(url)   (data: \(dataDirectory))", ""]
        if let ingest = firstStart.first(where: { $0.scope == .ingest }),
           let read = firstStart.first(where: { $0.scope == .read }) {
            lines += [
                "First start: created two API keys for project \"\(project.name)\".",
                "Copy them now: keys are stored hashed and cannot be shown again.",
                "",
                "  ingest key (for telltale run):  \(ingest.plaintext)",
                "  read key   (for the query API): \(read.plaintext)",
                "",
                "Wrap your MCP server:",
                "  TELLTALE_API_KEY=\(ingest.plaintext) telltale run -- <your server>",
                "",
                "Query it:",
                "  curl -H 'Authorization: Bearer \(read.plaintext)' \(url)/api/v1/summary",
            ]
        } else {
            lines += [
                "API keys are stored hashed and cannot be shown again. To make a new one:",
                "  telltale keys create --scope ingest    (or read, admin; add --data DIR if not the default)",
                "Then wrap your MCP server:",
                "  TELLTALE_API_KEY=<ingest key> telltale run -- <your server>",
            ]
        }
        if let demo, let demoRead {
            lines += [
                "",
                "Demo: simulated MCP clients drive the example server through `telltale run`, shipping here with",
                "  ingest key \(demo.plaintext)",
                "See what it captured:",
                "  curl -H 'Authorization: Bearer \(demoRead.plaintext)' \(url)/api/v1/tools",
            ]
        }
        if let signInLink {
            lines += [
                "",
                "Dashboard: \(url)/",
                "  one-time sign-in link (valid \(signInValidity)): \(signInLink)",
            ]
        }
        lines += ["", "API reference: \(url)/api/v1/openapi.yaml", "Stop with Ctrl-C."]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Why start-up could not prepare keys.
    public enum StartupError: Error, CustomStringConvertible {
        case noProject
        public var description: String { "the store has no project and could not create the default one" }
    }
}
