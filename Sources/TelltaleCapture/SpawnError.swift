#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The child program could not be started.
public struct SpawnError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The program as given on the command line (`xyz` in `telltale run -- xyz`).
    public let program: String
    /// The `errno` reported by `posix_spawnp` (or by creating the pipes).
    public let errorNumber: Int32

    /// Creates the error for `program` failing with `errorNumber`.
    public init(program: String, errorNumber: Int32) {
        self.program = program
        self.errorNumber = errorNumber
    }

    /// The exit code a shell uses for this failure: 127 for "not found", 126 otherwise.
    public var shellExitCode: Int32 {
        errorNumber == ENOENT || errorNumber == ENOTDIR ? 127 : 126
    }

    /// `cannot run 'xyz': No such file or directory`.
    public var description: String {
        "cannot run '\(program)': \(FileDescriptorIO.describe(errorNumber))"
    }
}
