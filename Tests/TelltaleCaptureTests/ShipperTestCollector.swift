import CompressNIO
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// How the test collector answers one ingest request.
enum CollectorReply: Sendable {
    /// 200 with `{"accepted": new, "duplicates": seen before, "rejected": []}`; the ids count as ingested.
    case accept
    /// Any status with extra headers and a body; nothing counts as ingested.
    case status(Int, headers: [String: String] = [:], body: String = "")
    /// Never answer (the connection stays open until the collector stops).
    case hang
}

/// One request the test collector received, with its gzip body decoded.
struct ReceivedRequest: Sendable {
    var method: String
    var uri: String
    /// Header values by lower-cased name (the last one wins).
    var headers: [String: String]
    var rawBody: [UInt8]
    /// NDJSON lines of the decoded body (empty when it was not valid gzip).
    var lines: [String]
    /// The `id` of each line.
    var ids: [String]
    var receivedAt: ContinuousClock.Instant
}

/// A real HTTP/1.1 collector on 127.0.0.1 (SwiftNIO) that decodes gzip NDJSON, records every
/// request, and answers as its script says. Ingested ids are counted, so tests can assert
/// "every call arrived exactly once".
final class ShipperTestCollector: Sendable {
    let port: Int
    private let serverChannel: any Channel
    private let script: @Sendable (Int) -> CollectorReply
    private struct State {
        var requests: [ReceivedRequest] = []
        var ingested: [String: Int] = [:]
        var connections: [ObjectIdentifier: any Channel] = [:]
    }
    private let state = Mutex(State())

    private init(port: Int, serverChannel: any Channel, script: @escaping @Sendable (Int) -> CollectorReply) {
        self.port = port
        self.serverChannel = serverChannel
        self.script = script
    }

    /// Starts a collector; `port` 0 picks a free one. `script` gets the 0-based request index.
    static func start(
        port: Int = 0,
        script: @escaping @Sendable (Int) -> CollectorReply = { _ in .accept }
    ) async throws -> ShipperTestCollector {
        let box = CollectorBox()
        releaseReservation(port)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let collector = box.collector else { throw ChannelError.ioOnClosedChannel }
                    collector.track(channel)
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(CollectorHandler(collector: collector))
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
        let collector = ShipperTestCollector(
            port: channel.localAddress?.port ?? port, serverChannel: channel, script: script
        )
        box.set(collector)
        return collector
    }

    /// A port on which nothing listens right now (bound once, then closed), for "collector down" tests.
    ///
    /// The port stays reserved by a socket that is bound but does not listen (connecting to it is
    /// refused, and no other test's server can take the port meanwhile) until `start(port:)` binds it.
    static func reservePort() async throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(fd)
            throw IOError(errnoCode: code, reason: "bind")
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        reservations.withLock { $0[port] = fd }
        return port
    }

    /// Sockets holding ports handed out by ``reservePort()``, by port.
    private static let reservations = Mutex<[Int: Int32]>([:])

    /// Frees a reserved port right before a collector binds it.
    private static func releaseReservation(_ port: Int) {
        if let fd = reservations.withLock({ $0.removeValue(forKey: port) }) { close(fd) }
    }

    /// Closes the listening socket and every open connection.
    func stop() async {
        try? await serverChannel.close()
        let connections = state.withLock { Array($0.connections.values) }
        for connection in connections { try? await connection.close() }
    }

    var requests: [ReceivedRequest] { state.withLock { $0.requests } }

    /// How many times each id was ingested (answered with `.accept`).
    var ingested: [String: Int] { state.withLock { $0.ingested } }

    /// Lines received in accepted requests, duplicates included.
    var ingestedLineCount: Int { state.withLock { $0.ingested.values.reduce(0, +) } }

    private func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        state.withLock { $0.connections[key] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.state.withLock { $0.connections.removeValue(forKey: key) }
        }
    }

    /// Records a request and decides the answer (with the JSON body of an `.accept`).
    fileprivate func handle(head: HTTPRequestHead, body: ByteBuffer) -> (CollectorReply, String) {
        var lines: [String] = []
        var ids: [String] = []
        var compressed = body
        if let decoded = try? compressed.decompress(with: .gzip()) {
            let text = String(buffer: decoded)
            lines = text.split(separator: "\n").map(String.init)
            ids = lines.map { line in
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                return object?["id"] as? String ?? ""
            }
        }
        var headers: [String: String] = [:]
        for (name, value) in head.headers { headers[name.lowercased()] = value }
        let request = ReceivedRequest(
            method: head.method.rawValue, uri: head.uri, headers: headers,
            rawBody: Array(body.readableBytesView), lines: lines, ids: ids, receivedAt: .now
        )
        return state.withLock { s in
            let reply = script(s.requests.count)
            s.requests.append(request)
            var duplicates = 0
            if case .accept = reply {
                for id in ids {
                    if s.ingested[id] != nil { duplicates += 1 }
                    s.ingested[id, default: 0] += 1
                }
            }
            let body = #"{"accepted":\#(ids.count - duplicates),"duplicates":\#(duplicates),"rejected":[]}"#
            return (reply, body)
        }
    }
}

/// Hands the collector to the child channel initializer, which is created before the collector exists.
private final class CollectorBox: Sendable {
    private let value = Mutex<ShipperTestCollector?>(nil)
    var collector: ShipperTestCollector? { value.withLock { $0 } }
    func set(_ collector: ShipperTestCollector) { value.withLock { $0 = collector } }
}

/// Collects one request at a time and writes the scripted answer.
private final class CollectorHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let collector: ShipperTestCollector
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(collector: ShipperTestCollector) {
        self.collector = collector
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            let (reply, acceptBody) = collector.handle(head: head, body: body)
            switch reply {
            case .hang:
                return
            case .accept:
                respond(context: context, status: 200, headers: ["Content-Type": "application/json"], body: acceptBody)
            case .status(let code, let headers, let text):
                respond(context: context, status: code, headers: headers, body: text)
            }
        }
    }

    private func respond(context: ChannelHandlerContext, status: Int, headers: [String: String], body: String) {
        var responseHeaders = HTTPHeaders()
        for (name, value) in headers { responseHeaders.add(name: name, value: value) }
        responseHeaders.replaceOrAdd(name: "Content-Length", value: String(body.utf8.count))
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: responseHeaders)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
