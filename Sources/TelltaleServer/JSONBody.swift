import Foundation
import TelltaleCore
import Hummingbird

/// The JSON encoding of every API reply: RFC 3339 UTC dates, sorted keys for stable output.
enum JSONBody {
    /// A JSON encoder configured for the API (dates as RFC 3339 UTC with microseconds).
    static func makeEncoder() -> JSONEncoder {
        let encoder = CallCodec.makeEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A reply with `value` encoded as JSON.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try makeEncoder().encode(value)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(data.count + 1)
        buffer.writeBytes(data)
        buffer.writeInteger(UInt8(ascii: "\n"))
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: buffer)
        )
    }
}
