import CompressNIO
import NIOCore
import TelltaleCore

/// How the shipper turns calls into request bodies: NDJSON (the Core wire codec), gzip-compressed.
enum ShipperWireFormat {
    /// NDJSON of `calls`, one JSON object per line, each line ending in `\n` (``CallCodec``:
    /// `startedAt` as RFC 3339 UTC with microseconds). The one place the shipper encodes calls.
    static func encode(_ calls: [Call]) -> [UInt8] {
        CallCodec.encode(calls)
    }

    /// gzip of `bytes` (RFC 1952), as sent with `Content-Encoding: gzip` and stored in spool files.
    static func gzip(_ bytes: some Sequence<UInt8>) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        var output = try input.compress(with: .gzip())
        return output.readBytes(length: output.readableBytes) ?? []
    }
}
