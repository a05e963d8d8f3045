import ArgumentParser
import Foundation
import TelltaleServer
import TelltaleStore

/// `telltale keys`: create and list API keys in the store under `--data`.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create and list API keys.",
        subcommands: [Create.self, List.self]
    )

    /// Options shared by the subcommands.
    struct StoreOptions: ParsableArguments {
        @Option(help: "Data directory of the server.")
        var data = DataDirectory.defaultPath

        @Option(help: "Project name.")
        var project = "default"

        /// The store under `--data`, and the project named `--project`.
        func open() async throws -> (SQLiteCallStore, Project) {
            let store = try SQLiteCallStore(directory: DataDirectory.url(data))
            let projects = try await store.projects()
            guard let found = projects.first(where: { $0.name == project }) else {
                throw KeysError.unknownProject(project, known: projects.map(\.name))
            }
            return (store, found)
        }
    }

    /// `telltale keys create`: prints the new key alone on the last line (`| tail -1` captures it).
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key; the key is printed alone on the last line."
        )

        @OptionGroup var options: StoreOptions

        @Option(help: "What the key may do: \(KeyScope.allCases.map(\.rawValue).joined(separator: ", ")).")
        var scope: KeyScope

        @Option(help: "A note to recognise the key by in `telltale keys list`.")
        var label: String?

        func run() async throws {
            let (store, project) = try await options.open()
            let key = try await store.createKey(project: project.id, scope: scope, label: label)
            print("Created \(scope.rawValue) key #\(key.id) for project \"\(project.name)\".")
            print("It is stored hashed and cannot be shown again:")
            print(key.plaintext)
        }
    }

    /// `telltale keys list`: the keys of a project, without their secrets.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the API keys of a project (never their secrets).")

        @OptionGroup var options: StoreOptions

        func run() async throws {
            let (store, project) = try await options.open()
            let keys = try await store.keys(project: project.id)
            guard !keys.isEmpty else {
                print("Project \"\(project.name)\" has no API keys. Create one with: telltale keys create --scope ingest")
                return
            }
            let rows = [["ID", "SCOPE", "KEY", "LABEL", "CREATED", "STATUS"]] + keys.map { key in
                [
                    String(key.id), key.scope.rawValue, key.prefix + "…", key.label ?? "",
                    ISO8601DateFormatter().string(from: key.createdAt),
                    key.revokedAt.map { "revoked \(ISO8601DateFormatter().string(from: $0))" } ?? "active",
                ]
            }
            let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
            print("Keys of project \"\(project.name)\":")
            for row in rows {
                print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
        }
    }

    /// Errors of `telltale keys`, printed as `Error: …` with exit status 1.
    enum KeysError: Error, CustomStringConvertible {
        case unknownProject(String, known: [String])

        var description: String {
            switch self {
            case .unknownProject(let name, let known):
                "no project named \"\(name)\" (projects: \(known.joined(separator: ", ")))"
            }
        }
    }
}

extension KeyScope: ExpressibleByArgument {}
