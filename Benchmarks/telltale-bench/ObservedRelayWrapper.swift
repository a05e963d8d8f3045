import ArgumentParser
import Synchronization
import TelltaleCapture
#if canImport(Glibc)
import Glibc
#endif

/// `telltale-bench observed-wrapper -- CMD…`: the same `StdioRelay` as `telltale run`, with an observer that
/// copies every chunk and frames it into lines, to measure what observing costs on the relay threads.
struct ObservedRelayWrapper: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "observed-wrapper",
        abstract: "StdioRelay with a line-framing observer (benchmark helper).",
        shouldDisplay: false
    )

    @Flag(name: .customLong("no-observer"), help: "Relay without an observer (what `telltale run` does without a key).")
    var noObserver = false

    @Argument(parsing: .postTerminator)
    var command: [String] = []

    func run() throws {
        let relay = StdioRelay(
            command: command, observer: noObserver ? nil : LineFramingObserver(), forwardsSignals: true)
        do {
            let status = try relay.start().waitForExit()
            throw ExitCode(status.shellExitCode)
        } catch let error as SpawnError {
            throw ExitCode(error.shellExitCode)
        }
    }
}

/// Copies each chunk into a per-direction line buffer and counts complete lines, like a framer would.
final class LineFramingObserver: RelayObserver {
    private struct Framer {
        var pending: [UInt8] = []
        var lines = 0
        mutating func feed(_ bytes: UnsafeRawBufferPointer) {
            for byte in bytes {
                if byte == 0x0A {
                    lines += 1
                    pending.removeAll(keepingCapacity: true)
                } else {
                    pending.append(byte)
                }
            }
        }
    }

    // One Mutex per direction: each is only ever taken by that direction's relay thread.
    private let toServer = Mutex(Framer())
    private let toClient = Mutex(Framer())

    func relayed(_ bytes: UnsafeRawBufferPointer, direction: RelayDirection) {
        switch direction {
        case .clientToServer: toServer.withLock { $0.feed(bytes) }
        case .serverToClient: toClient.withLock { $0.feed(bytes) }
        }
    }

    func closed(_ direction: RelayDirection) {}
}
