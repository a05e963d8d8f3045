import CompressNIO
import Hummingbird

/// Decompresses a gzip body into one buffer, never producing more than a limit (a guard against gzip bombs).
enum GzipInflater {
    /// Why a body could not be inflated.
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// The data is not a complete, valid gzip stream.
        case invalid(String)
        /// The decompressed data would exceed the limit.
        case tooLarge

        var description: String {
            switch self {
            case .invalid(let reason): "body is not valid gzip (\(reason))"
            case .tooLarge: "decompressed body is too large"
            }
        }
    }

    /// The decompressed bytes of `compressed` (one or more concatenated gzip members).
    /// - Throws: ``Failure/tooLarge`` as soon as more than `limit` bytes come out; ``Failure/invalid(_:)`` on corrupt
    ///   or truncated data.
    static func inflate(_ compressed: ByteBuffer, limit: Int) throws(Failure) -> ByteBuffer {
        var input = compressed
        guard input.readableBytes > 0 else { throw .invalid("empty body") }
        let decompressor: ZlibDecompressor
        do {
            decompressor = try ZlibDecompressor(algorithm: .gzip)
        } catch {
            throw .invalid("zlib could not start: \(error)")
        }
        var output = ByteBuffer()
        output.reserveCapacity(min(limit + 1, max(64 * 1024, input.readableBytes * 8)))
        while true {
            do {
                try decompressor.inflate(from: &input, to: &output)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                guard output.readableBytes <= limit else { throw .tooLarge }
                // Grow geometrically but never much past the limit (+1 byte to detect going over it).
                let target = min(limit + 1, max(output.capacity * 2, output.readableBytes + 64 * 1024))
                output.reserveCapacity(target)
                if output.writableBytes == 0 { throw .tooLarge }
                continue
            } catch let error as CompressNIOError where error == .inputBufferOverflow {
                throw .invalid("truncated stream")
            } catch let error as CompressNIOError where error == .corruptData {
                throw .invalid("corrupt data")
            } catch {
                throw .invalid("\(error)")
            }
            guard output.readableBytes <= limit else { throw .tooLarge }
            if input.readableBytes > 0 {
                // The member ended with input left over: another concatenated gzip member follows.
                do {
                    try decompressor.reset()
                } catch {
                    throw .invalid("\(error)")
                }
                continue
            }
            // All input consumed: either the stream ended, or it was cut short. A second call with no input
            // returns normally only at the end of the stream (zlib answers Z_STREAM_END again).
            do {
                if output.writableBytes == 0 { output.reserveCapacity(output.readableBytes + 1) }
                try decompressor.inflate(from: &input, to: &output)
            } catch let error as CompressNIOError where error == .inputBufferOverflow || error == .bufferOverflow {
                throw .invalid("truncated stream")
            } catch {
                throw .invalid("\(error)")
            }
            return output
        }
    }
}
