import Foundation

/// An IPv4 or IPv6 address as bytes, and the non-public range it falls in.
package struct IPAddressBytes: Sendable, Equatable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 (IPv6), network order.
    package var bytes: [UInt8]

    package init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses a textual address (`10.0.0.1`, `fe80::1`).
    package init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    /// Reads a `sockaddr_in` or `sockaddr_in6`.
    init?(_ address: UnsafeMutablePointer<sockaddr>) {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                var value = pointer.pointee.sin_addr
                return withUnsafeBytes(of: &value) { Array($0) }
            }
        case AF_INET6:
            bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                var value = pointer.pointee.sin6_addr
                return withUnsafeBytes(of: &value) { Array($0) }
            }
        default:
            return nil
        }
    }

    /// The name of the non-public range the address is in (`loopback`, `private`, …), nil for a public one.
    /// IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4) are judged by that address; Teredo is refused.
    package var nonPublicRange: String? {
        if bytes.count == 4 { return Self.ipv4Range(bytes) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return Self.ipv4Range(Array(bytes[12..<16]))  // IPv4-mapped ::ffff:a.b.c.d
        }
        if bytes[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] {
            return Self.ipv4Range(Array(bytes[12..<16]))  // NAT64 64:ff9b::a.b.c.d (RFC 6052)
        }
        if bytes[0..<6] == [0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01] {
            // Local-use NAT64 64:ff9b:1::/48 (RFC 8215): the operator picks a prefix of 48, 56, 64 or 96 bits, so
            // the IPv4 address may sit at any of the RFC 6052 positions; every reading must be public. A shorter
            // reading in 0.0.0.0/8 is the zero bits of a longer prefix, not an address, and is skipped.
            for positions in [[6, 7, 9, 10], [7, 9, 10, 11], [9, 10, 11, 12]] where bytes[positions[0]] != 0 {
                if let range = Self.ipv4Range(positions.map { bytes[$0] }) { return range }
            }
            return Self.ipv4Range(Array(bytes[12..<16]))
        }
        if bytes[0] == 0x20 && bytes[1] == 0x02 {
            return Self.ipv4Range(Array(bytes[2..<6]))  // 6to4 2002:aabb:ccdd::/48 (RFC 3056)
        }
        if bytes[0..<4] == [0x20, 0x01, 0x00, 0x00] { return "reserved (Teredo 2001::/32)" }
        if bytes[0..<8] == [0x01, 0x00, 0, 0, 0, 0, 0, 0] { return "reserved (discard-only 100::/64)" }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) {
            return bytes[15] == 1 ? "loopback" : bytes[15] == 0 ? "unspecified" : "reserved (IPv4-compatible)"
        }
        if bytes[0] == 0xFF { return "multicast" }
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return "link-local" }
        if bytes[0] & 0xFE == 0xFC { return "private (unique local)" }
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0xC0 { return "private (site-local)" }
        return nil
    }

    private static func ipv4Range(_ b: [UInt8]) -> String? {
        switch (b[0], b[1]) {
        case (0, _): return b.allSatisfy { $0 == 0 } ? "unspecified" : "reserved (0.0.0.0/8)"
        case (127, _): return "loopback"
        case (10, _): return "private"
        case (172, 16...31): return "private"
        case (192, 168): return "private"
        case (169, 254): return "link-local"
        case (100, 64...127): return "shared (carrier-grade NAT)"
        case (192, 0) where b[2] == 0: return "reserved (IETF protocol assignments 192.0.0.0/24)"
        case (192, 0) where b[2] == 2, (198, 51) where b[2] == 100, (203, 0) where b[2] == 113: return "documentation"
        case (198, 18...19): return "benchmarking"
        case (224...239, _): return "multicast"
        case (240...255, _): return b.allSatisfy { $0 == 255 } ? "broadcast" : "reserved (240.0.0.0/4)"
        default: return nil
        }
    }

    /// The usual text form.
    package var description: String {
        var copy = bytes
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        var buffer = [CChar](repeating: 0, count: 64)
        guard inet_ntop(family, &copy, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
