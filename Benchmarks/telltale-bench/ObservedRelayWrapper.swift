import ArgumentParser
import Synchronization
import TelltaleCapture
#if canImport(Glibc)
import Glibc
#endif

/// `telltale-bench observed-wrapper [--observer framing|noop|off] -- CMD…`: the same `StdioRelay` as
/// `telltale run`, with a chosen observer, to measure what observing costs on the relay threads.
struct ObservedRelayWrapper: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "observed-wrapper",
        abstract: "StdioRelay with a chosen observer (benchmark helper).",
        shouldDisplay: false
    )

    /// Which observer the relay gets.
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case framing, noop, off
    }

    @Option(help: "framing: copy and frame lines; noop: an observer that does nothing; off: no observer.")
    var observer: Kind = .framing

    @Argument(parsing: .postTerminator)
    var command: [String] = []

    static func makeObserver(_ kind: Kind) -> (any RelayObserver)? {
        switch kind {
        case .framing: LineFramingObserver()
        case .noop: NoopObserver()
        case .off: nil
        }
    }

    func run() throws {
        let relay = StdioRelay(
            command: command,
            observer: Self.makeObserver(observer),
            forwardsSignals: true)
        do {
            let status = try relay.start().waitForExit()
            throw ExitCode(status.shellExitCode)
        } catch let error as SpawnError {
            throw ExitCode(error.shellExitCode)
        }
    }
}
