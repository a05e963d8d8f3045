#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

/// Why the HTTP reverse proxy could not start.
public struct HTTPProxyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The whole message, e.g. `cannot listen on 127.0.0.1:8080: address already in use`.
    public let message: String

    /// An error with the given message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    /// The bind of `host:port` failed with `error`.
    static func cannotListen(host: String, port: Int, error: any Error) -> HTTPProxyError {
        HTTPProxyError("cannot listen on \(HTTPProxyAddress.format(host: host, port: port)): \(reason(of: error))")
    }

    /// The proxy was started twice.
    static let alreadyStarted = HTTPProxyError("the proxy is already started")

    /// A short, lower-case reason for a socket error (`address already in use`).
    static func reason(of error: any Error) -> String {
        if let io = error as? IOError {
            return lowercasedFirst(String(cString: strerror(io.errnoCode)))
        }
        if let connect = error as? NIOConnectionError, let first = connect.connectionErrors.first {
            return reason(of: first.error)
        }
        if error is ChannelError, case .connectTimeout = error as! ChannelError {
            return "connection timed out"
        }
        return String(describing: error)
    }

    private static func lowercasedFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}

/// Formats `host:port`, bracketing IPv6 literals.
enum HTTPProxyAddress {
    static func format(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `ip:port` of a socket address, or nil for Unix sockets.
    static func format(_ address: SocketAddress?) -> String? {
        guard let address, let ip = address.ipAddress, let port = address.port else { return nil }
        return format(host: ip, port: port)
    }
}
