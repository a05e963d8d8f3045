#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix

/// Raw TCP helpers for receivers that misbehave.
enum TCPListeners {
    /// A port on 127.0.0.1 where connections are refused: a socket bound to it that never listens.
    ///
    /// The socket stays open for the rest of the test process, so no other listener (a parallel test binding
    /// port 0) can take the port and accept what was meant to be refused.
    static func closedPort() async throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ReservedPortError(call: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw ReservedPortError(call: "bind")
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    struct ReservedPortError: Error, CustomStringConvertible {
        var call: String
        var description: String { "cannot reserve a refusing port: \(call) failed (errno \(errno))" }
    }

    /// A listener that accepts connections and never sends a byte (a hanging receiver); `accepted` yields
    /// once per connection. Close the channel when done.
    static func silent() async throws -> (channel: any Channel, accepted: AsyncStream<Void>) {
        let (accepted, continuation) = AsyncStream<Void>.makeStream()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                continuation.yield()
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel, accepted)
    }
}
