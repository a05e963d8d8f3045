import Foundation

/// Everything capture knows about one stdio connection: framing of both directions, the
/// ``CallTracker``, and stdout-pollution accounting.
///
/// Not thread-safe; the caller serializes access. Feed it every chunk relayed in either direction,
/// call ``tick(at:)`` about once a second and ``finish(at:)`` at the end.
public struct StdioCaptureSession: Sendable {
    private struct Pollution: Sendable {
        var lines = 0
        var bytes = 0
        var firstLine: [UInt8] = []
        var firstSeen: Date
    }

    /// The most bytes of the first polluting line kept as the record's preview.
    public static let pollutionPreviewBytes = 1024

    /// The pairing state (identity learnt, open requests, stats).
    public private(set) var tracker: CallTracker
    private var clientFramer: LineFramer
    private var serverFramer: LineFramer
    private var clientPollution: Pollution?
    private var serverPollution: Pollution?
    /// Non-JSON-RPC lines seen from the client (stdin) over the whole session.
    public private(set) var clientPollutionLines = 0
    /// Non-JSON-RPC lines seen from the server (stdout) over the whole session.
    public private(set) var serverPollutionLines = 0

    /// Creates a session; `sessionID` defaults to a new UUID.
    public init(sessionID: String = Call.newID(), options: CaptureOptions) {
        self.tracker = CallTracker(sessionID: sessionID, options: options)
        self.clientFramer = LineFramer(maxLineBytes: options.maxLineBytes)
        self.serverFramer = LineFramer(maxLineBytes: options.maxLineBytes)
    }

    /// The session id stamped on every Call.
    public var sessionID: String { tracker.sessionID }

    /// Feeds bytes relayed from `source`; returns the Calls completed by them.
    public mutating func consume(_ bytes: UnsafeRawBufferPointer, from source: MessageSource, at instant: CaptureInstant) -> [Call] {
        var calls: [Call] = []
        var framer = LineFramer(maxLineBytes: 1)
        swapFramer(&framer, source)
        framer.consume(bytes) { line in
            handle(line, from: source, at: instant, into: &calls)
        }
        swapFramer(&framer, source)
        return calls
    }

    /// Timeouts of open requests, and the pollution seen since the last tick (one record per side).
    public mutating func tick(at instant: CaptureInstant) -> [Call] {
        var calls: [Call] = []
        tracker.expire(at: instant, into: &calls)
        flushPollution(into: &calls)
        return calls
    }

    /// End of the connection: flushes unterminated lines, records open requests as `noResponse`
    /// ("connection closed") and any pending pollution.
    public mutating func finish(at instant: CaptureInstant) -> [Call] {
        var calls: [Call] = []
        for source in [MessageSource.client, .server] {
            var framer = LineFramer(maxLineBytes: 1)
            swapFramer(&framer, source)
            framer.finish { line in handle(line, from: source, at: instant, into: &calls) }
            swapFramer(&framer, source)
        }
        tracker.close(at: instant, into: &calls)
        flushPollution(into: &calls)
        return calls
    }

    private mutating func swapFramer(_ framer: inout LineFramer, _ source: MessageSource) {
        switch source {
        case .client: swap(&framer, &clientFramer)
        case .server: swap(&framer, &serverFramer)
        }
    }

    private mutating func handle(_ line: LineFramer.Line, from source: MessageSource, at instant: CaptureInstant,
                                 into calls: inout [Call]) {
        let isMessage = tracker.observe(line: line.bytes, byteCount: line.byteCount, truncated: line.truncated,
                                        from: source, at: instant, into: &calls)
        guard !isMessage else { return }
        switch source {
        case .client:
            clientPollutionLines += 1
            note(&clientPollution, line, at: instant)
        case .server:
            serverPollutionLines += 1
            note(&serverPollution, line, at: instant)
        }
    }

    private func note(_ pollution: inout Pollution?, _ line: LineFramer.Line, at instant: CaptureInstant) {
        if pollution == nil {
            let keep = min(line.bytes.count, StdioCaptureSession.pollutionPreviewBytes)
            pollution = Pollution(firstLine: Array(UnsafeRawBufferPointer(rebasing: line.bytes[0..<keep])),
                                  firstSeen: instant.wall)
        }
        pollution?.lines += 1
        pollution?.bytes += line.byteCount
    }

    private mutating func flushPollution(into calls: inout [Call]) {
        if let pollution = clientPollution { calls.append(pollutionCall(pollution, source: .client)) }
        if let pollution = serverPollution { calls.append(pollutionCall(pollution, source: .server)) }
        clientPollution = nil
        serverPollution = nil
    }

    private mutating func pollutionCall(_ pollution: Pollution, source: MessageSource) -> Call {
        let options = tracker.options
        let previewLimit = min(StdioCaptureSession.pollutionPreviewBytes, options.payloads.maxBytes)
        return tracker.stamped(Call(
            id: tracker.ids.newID(at: pollution.firstSeen),
            startedAt: pollution.firstSeen,
            kind: .pollution,
            direction: source.requestDirection,
            method: source == .server ? "stdout" : "stdin",
            outcome: .ok,
            session: tracker.sessionID,
            transport: options.transport,
            tags: options.tags,
            request: options.payloads.capture
                ? .string(PayloadPolicy.utf8Prefix(pollution.firstLine, maxBytes: previewLimit)) : nil,
            requestBytes: pollution.bytes,
            pollutionLines: pollution.lines
        ))
    }
}
