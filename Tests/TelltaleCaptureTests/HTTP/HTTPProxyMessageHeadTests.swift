import NIOCore
import Testing
@testable import TelltaleCapture

/// Head parsing rules the socket tests do not reach: framing, persistence, hop-by-hop rewriting,
/// and what is refused.
@Suite struct HTTPProxyMessageHeadTests {
    static func head(_ text: String, _ kind: HTTPProxyMessageHead.Kind = .request, noBody: Bool = false) throws -> HTTPProxyMessageHead {
        try HTTPProxyMessageHead(raw: ByteBuffer(string: text), kind: kind, noBody: noBody)
    }

    static func forwarded(_ head: HTTPProxyMessageHead) -> String {
        String(buffer: head.forwardBytes(allocator: ByteBufferAllocator()))
    }

    @Test("request framing: none, Content-Length (repeated equal values), chunked")
    func requestFraming() throws {
        #expect(try Self.head("GET / HTTP/1.1\r\nHost: x\r\n\r\n").framing == .none)
        #expect(try Self.head("POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n").framing == .length(12))
        #expect(try Self.head("POST / HTTP/1.1\r\nContent-Length: 7, 7\r\ncontent-length: 7\r\n\r\n").framing == .length(7))
        #expect(try Self.head("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n").framing == .chunked)
        #expect(try Self.head("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").framing == .none)
    }

    @Test("refused heads: conflicting lengths, non-chunked request coding, both framings, folding, space before colon, bad version")
    func refused() {
        for text in [
            "POST / HTTP/1.1\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
            "GET / HTTP/1.1\r\nX-A: 1\r\n  folded\r\n\r\n",
            "GET / HTTP/1.1\r\nX-A : 1\r\n\r\n",
            "GET / HTTP/2.0\r\n\r\n",
            "GET /\r\n\r\n",
        ] {
            #expect(throws: HTTPProxyParseError.self, "\(text.debugDescription)") { try Self.head(text) }
        }
    }

    @Test("response framing: bodiless statuses and HEAD, chunked, length, until close")
    func responseFraming() throws {
        #expect(try Self.head("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", .response).framing == .none)
        #expect(try Self.head("HTTP/1.1 304 Not Modified\r\n\r\n", .response).framing == .none)
        #expect(try Self.head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", .response, noBody: true).framing == .none)
        #expect(try Self.head("HTTP/1.1 100 Continue\r\n\r\n", .response).isInterim)
        #expect(try Self.head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", .response).framing == .chunked)
        let gzip = try Self.head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", .response)
        #expect(gzip.framing == .untilClose)
        #expect(gzip.closesConnection)
        let plain = try Self.head("HTTP/1.1 200 OK\r\n\r\n", .response)
        #expect(plain.framing == .untilClose)
        let custom = try Self.head("HTTP/1.1 299 Fine By Me\r\nContent-Length: 1\r\n\r\n", .response)
        #expect(custom.status == 299)
        #expect(custom.string(at: custom.reason) == "Fine By Me")
        #expect(try Self.head("HTTP/1.1 200\r\nContent-Length: 1\r\n\r\n", .response).reason.isEmpty)
    }

    @Test("persistence: close token, HTTP/1.0 without keep-alive")
    func persistence() throws {
        #expect(try Self.head("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n").closesConnection)
        #expect(try Self.head("GET / HTTP/1.0\r\n\r\n").closesConnection)
        #expect(try !Self.head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").closesConnection)
        #expect(try !Self.head("GET / HTTP/1.1\r\n\r\n").closesConnection)
    }

    @Test("hop-by-hop fields are dropped, a close survives as Connection: close, the rest is untouched")
    func hopByHop() throws {
        let kept = try Self.head("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")
        #expect(Self.forwarded(kept) == "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")
        let named = try Self.head(
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: close, X-Secret\r\nx-secret: 1\r\nTE: trailers\r\n"
                + "Trailer: X-Sum\r\nUpgrade: h2c\r\nProxy-Connection: keep-alive\r\nKeep-Alive: 5\r\nX-Other:  a  \r\n\r\n")
        #expect(Self.forwarded(named) == "GET / HTTP/1.1\r\nHost: x\r\nX-Other:  a  \r\nConnection: close\r\n\r\n")
        #expect(named.closesConnection)
        let bareLF = try Self.head("GET / HTTP/1.1\nHost: x\nUpgrade: y\n\n")
        #expect(Self.forwarded(bareLF) == "GET / HTTP/1.1\nHost: x\n\n")
    }
}

/// The framer cuts exactly: the bytes of all events are the input, split anywhere.
@Suite struct HTTPProxyFramerTests {
    @Test("every split point of a pipelined chunked + length stream yields the same events and bytes")
    func splits() throws {
        let stream = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"
            + "POST /b HTTP/1.1\r\nContent-Length: 4\r\n\r\nwxyzGET /c HTTP/1.1\r\n\r\n"
        let bytes = Array(stream.utf8)
        for split in 0...bytes.count {
            var framer = HTTPProxyFramer(kind: .request)
            var buffer = ByteBuffer(bytes: bytes[..<split])
            var out: [UInt8] = []
            var data = ""
            var ends = 0
            func drain() throws {
                while let event = try framer.next(&buffer) {
                    switch event {
                    case .head(let head): out += head.raw.readableBytesView
                    case .data(let slice):
                        out += slice.readableBytesView
                        data += String(buffer: slice)
                    case .framing(let slice): out += slice.readableBytesView
                    case .end: ends += 1
                    }
                }
            }
            try drain()
            buffer.writeBytes(bytes[split...])
            try drain()
            #expect(out == bytes, "split at \(split)")
            #expect(data == "abcwxyz", "split at \(split)")
            #expect(ends == 3, "split at \(split)")
        }
    }
}
