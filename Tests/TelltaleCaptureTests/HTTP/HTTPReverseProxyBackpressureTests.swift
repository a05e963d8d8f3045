import NIOCore
import Synchronization
import Testing
@testable import TelltaleCapture

/// A slow reader on one side slows the writer on the other: the proxy never buffers a whole body.
@Suite(.timeLimit(.minutes(2)))
struct HTTPReverseProxyBackpressureTests {
    static let total = 128 * 1024 * 1024
    static let piece = 1024 * 1024
    /// Far below `total`, far above what socket buffers and the proxy's watermarks can hold.
    static let bound = 48 * 1024 * 1024

    @Test("a client that does not read stops the proxy reading the upstream response")
    func slowClient() async throws {
        try await withHTTPTestNetwork { network in
            let written = HTTPTestCounter()
            let (done, finished) = AsyncStream<Void>.makeStream()
            let upstream = try await network.rawServer { peer in
                _ = try await peer.readMessage(isResponse: false)
                try await peer.write("HTTP/1.1 200 OK\r\nContent-Length: \(Self.total)\r\n\r\n")
                let chunk = ByteBuffer(repeating: 0x61, count: Self.piece)
                for _ in 0..<(Self.total / Self.piece) {
                    // Wait for each write to reach the socket: the async writer would buffer them all.
                    try await peer.channel.writeAndFlush(chunk).get()
                    written.add(Self.piece)
                }
                finished.yield()
            }
            let (_, proxyPort) = try await network.proxy(upstreamPort: upstream.port)
            try await network.withClient(port: proxyPort) { peer in
                try await peer.write(request("GET", "/download"))
                _ = try await peer.read(until: "\r\n\r\n")
                // Not reading: the upstream must stall well before the end.
                let finishedEarly = try await withTimeout(60, "stall window") {
                    await Self.race(done, seconds: 2)
                }
                #expect(!finishedEarly)
                #expect(written.value < Self.bound, "upstream wrote \(written.value) bytes")
                try await peer.skip(count: Self.total)
            }
            #expect(written.value == Self.total)
        }
    }

    @Test("an upstream that does not read stops the proxy reading the client's upload")
    func slowUpstream() async throws {
        try await withHTTPTestNetwork { network in
            let (go, start) = AsyncStream<Void>.makeStream()
            let upstream = try await network.rawServer { peer in
                _ = try await peer.read(until: "\r\n\r\n")
                for await _ in go { break }
                try await peer.skip(count: Self.total)
                try await peer.write("HTTP/1.1 204 No Content\r\n\r\n")
            }
            let (_, proxyPort) = try await network.proxy(upstreamPort: upstream.port)
            let sent = HTTPTestCounter()
            let (uploaded, uploadDone) = AsyncStream<Void>.makeStream()
            let status = try await network.withClient(port: proxyPort) { peer in
                try await peer.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: \(Self.total)\r\n\r\n")
                let channel = peer.channel
                async let upload: Void = {
                    let chunk = ByteBuffer(repeating: 0x62, count: Self.piece)
                    for _ in 0..<(Self.total / Self.piece) {
                        try await channel.writeAndFlush(chunk).get()
                        sent.add(Self.piece)
                    }
                    uploadDone.yield()
                }()
                let finishedEarly = await Self.race(uploaded, seconds: 2)
                #expect(!finishedEarly)
                #expect(sent.value < Self.bound, "client sent \(sent.value) bytes")
                start.yield()
                try await upload
                return try await peer.readMessage(isResponse: true).status
            }
            #expect(status == 204)
            #expect(sent.value == Self.total)
        }
    }

    /// Whether `stream` yields within `seconds` (a bound on a negative property, not synchronisation).
    static func race(_ stream: AsyncStream<Void>, seconds: Double) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await stream.first { _ in true } != nil }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return false
            }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
    }
}

/// A counter shared between test tasks.
final class HTTPTestCounter: Sendable {
    private let count = Atomic<Int>(0)
    func add(_ amount: Int) { count.add(amount, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
