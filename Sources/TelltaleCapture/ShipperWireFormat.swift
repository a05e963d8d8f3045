import CompressNIO
import Foundation
import NIOCore
import TelltaleCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the shipper turns calls into request bodies: NDJSON, gzip-compressed.
enum ShipperWireFormat {
    /// NDJSON of `calls`, one JSON object per line, each line ending in `\n`.
    ///
    /// THE one place the shipper encodes calls: swap the body for `CallCodec.encode(calls)` when the
    /// Core codec lands. A call that cannot be encoded (e.g. a NaN in its payload) is left out.
    static func encode(_ calls: [Call]) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(rfc3339Microseconds(date))
        }
        var out: [UInt8] = []
        for call in calls {
            guard let line = try? encoder.encode(call) else { continue }
            out.append(contentsOf: line)
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// `2026-11-25T10:13:33.123456Z`: RFC 3339, UTC, always six fractional digits (rounded to the nearest microsecond).
    static func rfc3339Microseconds(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04ld-%02ld-%02ldT%02ld:%02ld:%02ld.%06ldZ",
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(fraction)
        )
    }

    /// gzip of `bytes` (RFC 1952), as sent with `Content-Encoding: gzip` and stored in spool files.
    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        var output = try input.compress(with: .gzip())
        return output.readBytes(length: output.readableBytes) ?? []
    }
}
