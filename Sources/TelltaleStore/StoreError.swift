import Foundation

/// Why a store operation failed, with a message fit for a terminal.
public enum StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The data directory could not be created (e.g. a file is in the way, or permission denied).
    case cannotCreateDirectory(path: String, reason: String)
    /// The database file could not be opened or written (missing permission, read-only file system …).
    case cannotOpen(path: String, reason: String)
    /// The file exists but is not a SQLite database, or is damaged.
    case corruptDatabase(path: String, reason: String)
    /// A project with this name already exists.
    case projectExists(name: String)
    /// A project name must be 1–100 characters, without control characters.
    case invalidProjectName(String)
    /// No project has this id.
    case unknownProject(ProjectID)
    /// A time bucket must be a positive multiple of 60 seconds, and of 3600 from an hour up (at most a year).
    case invalidBucket(Int)
    /// Another item of the project has this name (`what` is e.g. "alert rule", "alert channel").
    case nameTaken(what: String, name: String)

    public var description: String {
        switch self {
        case let .cannotCreateDirectory(path, reason):
            "cannot create the data directory \(path): \(reason)"
        case let .cannotOpen(path, reason):
            "cannot open the database \(path): \(reason)"
        case let .corruptDatabase(path, reason):
            "the database \(path) is not a valid SQLite database or is damaged (\(reason)); move it aside to start afresh"
        case let .projectExists(name):
            "a project named \"\(name)\" already exists"
        case let .invalidProjectName(name):
            "invalid project name \"\(name)\": use 1–100 characters without control characters"
        case let .unknownProject(id):
            "no project with id \(id)"
        case let .invalidBucket(seconds):
            "invalid time bucket of \(seconds) s: use a multiple of 60 s, and of 3600 s from an hour up"
        case let .nameTaken(what, name):
            "\(what) name \"\(name)\" is already taken in this project"
        }
    }
}
