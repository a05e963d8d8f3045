import NIOCore
import TelltaleCore

extension HTTPProxyConnection {
    // MARK: - Connecting

    /// Opens the upstream connection on this loop; queued writes follow once it is up.
    func connectUpstream() {
        guard let context else { return }
        upstream = .connecting
        upstreamGeneration += 1
        let generation = upstreamGeneration
        let eventLoop = context.eventLoop
        let me = NIOLoopBound(self, eventLoop: eventLoop)
        shared.connectUpstream(on: eventLoop) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(
                    HTTPUpstreamHandler(connection: me.value, generation: generation))
            }
        }.whenComplete { result in
            me.value.upstreamConnected(result, generation: generation)
        }
    }

    private func upstreamConnected(_ result: Result<any Channel, any Error>, generation: Int) {
        switch result {
        case .success(let channel):
            guard generation == upstreamGeneration, !closing,
                  let handler = try? channel.pipeline.syncOperations.handler(type: HTTPUpstreamHandler.self)
            else {
                channel.close(promise: nil)
                return
            }
            upstream = .connected(channel, handler)
            let noBody = responseFramer.noBody
            upstreamInbound = Self.emptyBuffer
            responseFramer = HTTPProxyFramer(kind: .response)
            responseFramer.noBody = noBody
            lastUpstreamError = nil
            for bytes in pendingUpstreamWrites { channel.write(bytes, promise: nil) }
            pendingUpstreamWrites = []
            channel.flush()
            processRequests()
        case .failure(let error):
            guard generation == upstreamGeneration, !closing else { return }
            pendingUpstreamWrites = []
            shared.stats.upstreamFailed()
            let reason = HTTPProxyError.reason(of: error)
            guard let current = exchange, current.observer != nil, !current.requestEnded else {
                failUnreachable(reason)
                return
            }
            // Capture still sees the request the server never got: the rest of its body is read (not
            // forwarded) before the client is reset, for at most `unreachableDrainLimit`.
            upstream = .unreachable(reason)
            processRequests()
            guard case .unreachable = upstream, let eventLoop = context?.eventLoop else { return }
            let me = NIOLoopBound(self, eventLoop: eventLoop)
            eventLoop.scheduleTask(in: Self.unreachableDrainLimit) {
                guard generation == me.value.upstreamGeneration, case .unreachable = me.value.upstream else { return }
                me.value.failUnreachable(reason)
            }
        }
    }

    /// How long the rest of a request is read, for capture, after the upstream refused the connection.
    static let unreachableDrainLimit = TimeAmount.seconds(1)

    /// The upstream could not be reached: the observer hears why, and the client is reset with no response.
    func failUnreachable(_ reason: String) {
        exchange?.observer?.failed(.upstreamUnreachable(reason))
        exchange = nil
        resetDownstream()
    }

    // MARK: - Responses (upstream → downstream)

    func upstreamRead(_ buffer: ByteBuffer, generation: Int) {
        guard generation == upstreamGeneration, !closing else { return }
        var buffer = buffer
        if upstreamInbound.readableBytes == 0 {
            upstreamInbound = buffer
        } else {
            upstreamInbound.writeBuffer(&buffer)
        }
        processResponses()
    }

    func upstreamReadComplete(generation: Int) {
        guard generation == upstreamGeneration else { return }
        context?.flush()
    }

    /// Forwards as much of ``upstreamInbound`` as belongs to the exchange in flight.
    func processResponses() {
        guard let context else { return }
        defer {
            if upstreamInbound.readableBytes == 0 { upstreamInbound = Self.emptyBuffer }
        }
        while !closing, exchange != nil, !exchange!.responseEnded {
            let event: HTTPProxyFramer.Event?
            do {
                event = try responseFramer.next(&upstreamInbound)
            } catch {
                upstreamFailed("invalid response: \(error)")
                return
            }
            guard let event else { return }
            switch event {
            case .head(let head):
                context.write(wrapOutboundOut(head.forwardBytes(allocator: context.channel.allocator)), promise: nil)
                if head.isInterim {
                    exchange!.interimResponse = true
                    continue
                }
                if head.closesConnection { exchange!.closeAfter = true }
                if let observer = exchange!.observer {
                    observer.responseHead(HTTPResponseSummary(
                        status: head.status, reason: head.string(at: head.reason), headers: HTTPFields(head.summaryFields())))
                }
            case .data(let bytes):
                context.write(wrapOutboundOut(bytes), promise: nil)
                if let observer = exchange!.observer {
                    bytes.withUnsafeReadableBytes { observer.responseBodyPart($0) }
                }
            case .framing(let bytes):
                context.write(wrapOutboundOut(bytes), promise: nil)
            case .end:
                if exchange!.interimResponse {
                    exchange!.interimResponse = false
                    continue
                }
                endResponse()
            }
        }
    }

    /// The response of the exchange in flight is complete.
    private func endResponse() {
        exchange!.responseEnded = true
        exchange!.observer?.responseEnded()
        exchange!.observer = nil
        if exchange!.requestEnded {
            context?.flush()
            finishExchange()
        } else if exchange!.closeAfter {
            // The server answered before the request was complete and will close: so do we.
            context?.flush()
            closeDownstreamGracefully()
        }
    }

    func upstreamError(_ error: any Error, generation: Int) {
        guard generation == upstreamGeneration else { return }
        lastUpstreamError = HTTPProxyError.reason(of: error)
    }

    func upstreamClosed(generation: Int) {
        guard generation == upstreamGeneration, !closing else { return }
        upstream = .none
        upstreamGeneration += 1
        guard let current = exchange, !current.responseEnded else {
            // Idle (or answered): the next request opens a new connection.
            upstreamInbound = Self.emptyBuffer
            if let current = exchange, current.responseEnded, !current.requestEnded { closeDownstreamGracefully() }
            return
        }
        if responseFramer.isReadingUntilClose {
            endResponse()
            context?.flush()
            closeDownstreamGracefully()
            return
        }
        upstreamFailed(lastUpstreamError ?? "connection closed before the response was complete")
    }

    /// The upstream connection broke mid-exchange: the client's connection is reset.
    private func upstreamFailed(_ reason: String) {
        shared.stats.upstreamFailed()
        exchange?.observer?.failed(.upstreamFailed(reason))
        exchange = nil
        context?.flush()
        resetDownstream()
    }
}
