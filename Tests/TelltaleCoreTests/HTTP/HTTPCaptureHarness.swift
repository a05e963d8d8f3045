import Foundation
import TelltaleCore

/// Drives ``HTTPCaptureState`` the way the capture adapter does, on a fake millisecond clock.
struct HTTPCaptureHarness {
    var state: HTTPCaptureState
    var calls: [Call] = []
    /// Milliseconds since ``Fixtures/instant(_:)``'s origin; every event advances it by 1 ms.
    var clock: UInt64 = 0

    init(options: HTTPCaptureOptions? = nil) {
        let options = options ?? (try! HTTPCaptureOptions(capture: CaptureOptions(tags: ["env": "test"], transport: .http)))
        state = HTTPCaptureState(options: options)
    }

    mutating func now() -> CaptureInstant {
        clock += 1
        return Fixtures.instant(clock)
    }

    mutating func advance(seconds: UInt64) {
        clock += seconds * 1000
    }

    @discardableResult
    mutating func record(_ produced: [Call]) -> [Call] {
        calls += produced
        return produced
    }

    func begin(_ method: String, _ target: String, headers: HTTPFields = HTTPFixtures.postHeaders(),
               connection: UInt64 = 1, address: String? = "127.0.0.1:50001") -> HTTPExchange {
        HTTPExchange(HTTPRequestSummary(method: method, target: target, headers: headers, clientAddress: address,
                                        connectionID: connection), options: state.options)
    }

    /// Sends the request body in chunks of `chunk` bytes, then ends it.
    @discardableResult
    mutating func send(_ exchange: inout HTTPExchange, _ body: String = "", chunk: Int = 7) -> [Call] {
        let bytes = Array(body.utf8)
        for start in stride(from: 0, to: bytes.count, by: max(1, chunk)) {
            bytes[start..<min(start + chunk, bytes.count)].withUnsafeBytes { exchange.appendRequestBody($0) }
        }
        return record(state.requestEnded(&exchange, at: now()))
    }

    @discardableResult
    mutating func head(_ exchange: inout HTTPExchange, _ status: Int = 200, reason: String = "OK",
                       headers: HTTPFields) -> [Call] {
        record(state.responseHead(HTTPResponseSummary(status: status, reason: reason, headers: headers),
                                  exchange: &exchange, at: now()))
    }

    /// Response body bytes in chunks of `chunk`; SSE events go to the state per chunk, like the adapter.
    @discardableResult
    mutating func body(_ exchange: inout HTTPExchange, _ text: String, chunk: Int = 13) -> [Call] {
        let bytes = Array(text.utf8)
        var produced: [Call] = []
        for start in stride(from: 0, to: bytes.count, by: max(1, chunk)) {
            let events = bytes[start..<min(start + chunk, bytes.count)].withUnsafeBytes { exchange.appendResponseBody($0) }
            if !events.isEmpty { produced += record(state.responseEvents(events, exchange: &exchange, at: now())) }
        }
        return produced
    }

    @discardableResult
    mutating func end(_ exchange: inout HTTPExchange) -> [Call] {
        record(state.responseEnded(&exchange, at: now()))
    }

    @discardableResult
    mutating func fail(_ exchange: inout HTTPExchange, _ failure: HTTPExchangeFailure) -> [Call] {
        record(state.failed(failure, exchange: &exchange, at: now()))
    }

    /// A whole POST exchange with a JSON (or SSE, when `sse`) reply.
    @discardableResult
    mutating func post(_ body: String, session: String? = nil, status: Int = 200, reply: String = "",
                       sse: Bool = false, replySession: String? = nil, connection: UInt64 = 1,
                       headers: HTTPFields? = nil, target: String = "/mcp") -> [Call] {
        var exchange = begin("POST", target, headers: headers ?? HTTPFixtures.postHeaders(session: session),
                             connection: connection)
        let before = calls.count
        send(&exchange, body)
        head(&exchange, status, reason: status == 202 ? "Accepted" : "OK",
             headers: HTTPFixtures.replyHeaders(sse: sse, session: replySession ?? session))
        self.body(&exchange, reply)
        end(&exchange)
        return Array(calls[before...])
    }

    mutating func tick(afterSeconds seconds: UInt64) -> [Call] {
        advance(seconds: seconds)
        return record(state.tick(at: now()))
    }
}
