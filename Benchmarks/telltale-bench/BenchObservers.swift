import Synchronization
import TelltaleCapture

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

/// Sees every chunk and does nothing with it.
final class NoopObserver: RelayObserver {
    func relayed(_ bytes: UnsafeRawBufferPointer, direction: RelayDirection) {}
    func closed(_ direction: RelayDirection) {}
}
