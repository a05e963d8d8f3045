#if canImport(Glibc)
import Glibc
#endif

/// TCP port helpers for `telltale run --port`: a free port for the child, and "is it listening yet".
public enum PortProbe {
    /// A port the kernel reports free on `host` right now (bound to port 0, read back, released).
    public static func freePort(host: String = "127.0.0.1") -> Int? {
        withSocket(host: host, port: 0) { fd, address in
            var address = address
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else { return nil }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            return named == 0 ? Int(UInt16(bigEndian: address.sin_port)) : nil
        } ?? nil
    }

    /// Whether a TCP connection to `host:port` (IPv4) is accepted right now.
    public static func accepts(host: String = "127.0.0.1", port: Int) -> Bool {
        withSocket(host: host, port: port) { fd, address in
            var address = address
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
        } ?? false
    }

    private static func withSocket<T>(host: String, port: Int, _ body: (Int32, sockaddr_in) -> T) -> T? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(clamping: port)).bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return body(fd, address)
    }
}
