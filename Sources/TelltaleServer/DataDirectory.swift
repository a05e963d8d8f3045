import Foundation

/// Where Telltale keeps its data (`--data DIR`): `~/.telltale` unless told otherwise.
public enum DataDirectory {
    /// The default, as shown in help: `~/.telltale`.
    public static let defaultPath = "~/.telltale"

    /// `path` with a leading `~` expanded to the home directory, made absolute.
    public static func url(_ path: String = defaultPath) -> URL {
        var expanded = path
        if expanded == "~" || expanded.hasPrefix("~/") {
            let home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
                ?? FileManager.default.homeDirectoryForCurrentUser.path
            expanded = home + expanded.dropFirst()
        }
        return URL(fileURLWithPath: expanded).standardizedFileURL
    }
}
