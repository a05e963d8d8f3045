import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

@Suite struct IngestTests {
    typealias Reply = IngestController.Reply

    @Test func plainBatchIsStoredBeforeTheReply() async throws {
        let fixture = try await ServerFixture.make()
        let calls = Fixtures.sampleCalls()
        try await fixture.withClient { client in
            let response = try await client.execute(
                uri: "/api/v1/ingest", method: .post,
                headers: ServerFixture.headers(key: fixture.ingestKey), body: try Fixtures.ndjson(calls)
            )
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let reply = try Fixtures.decode(Reply.self, response.body)
            #expect(reply == Reply(accepted: 7, duplicates: 0, rejected: []))
        }
        // Stored, with every field intact (payloads, tags, microsecond dates).
        for call in calls {
            let stored = try await fixture.store.call(id: call.id, project: fixture.project.id)
            #expect(stored == call)
        }
    }

    @Test func gzipBatchOverRealHTTP() async throws {
        let fixture = try await ServerFixture.make()
        let calls = Fixtures.sampleCalls()
        let body = try Fixtures.gzip(try Fixtures.ndjson(calls))
        try await fixture.withClient(.live) { client in
            let response = try await client.execute(
                uri: "/api/v1/ingest", method: .post,
                headers: ServerFixture.headers(key: fixture.adminKey, gzip: true), body: body
            )
            #expect(response.status == .ok)
            #expect(try Fixtures.decode(Reply.self, response.body) == Reply(accepted: 7, duplicates: 0, rejected: []))
        }
        #expect(try await fixture.store.call(id: "c3", project: fixture.project.id)?.errorCode == -32602)
    }

    @Test func sameBatchTwiceCountsDuplicates() async throws {
        let fixture = try await ServerFixture.make()
        let body = try Fixtures.ndjson(Fixtures.sampleCalls())
        try await fixture.withClient { client in
            let headers = ServerFixture.headers(key: fixture.ingestKey, contentType: "application/json")
            let first = try await client.execute(uri: "/api/v1/ingest", method: .post, headers: headers, body: body)
            let second = try await client.execute(uri: "/api/v1/ingest", method: .post, headers: headers, body: body)
            #expect(try Fixtures.decode(Reply.self, first.body) == Reply(accepted: 7, duplicates: 0, rejected: []))
            #expect(try Fixtures.decode(Reply.self, second.body) == Reply(accepted: 7, duplicates: 7, rejected: []))
        }
        let summary = try await fixture.store.summary(
            CallQuery(project: fixture.project.id, from: Fixtures.base.addingTimeInterval(-60), to: Date())
        )
        #expect(summary.calls == 5)
        #expect(summary.notifications == 1)
    }

    @Test func badLinesAreRejectedWithIndexAndReasonWhileGoodOnesAreKept() async throws {
        let fixture = try await ServerFixture.make()
        let calls = Fixtures.sampleCalls()
        var missingSession = try Fixtures.line(calls[1])
        missingSession = missingSession.replacingOccurrences(of: "\"session\":\"s1\",", with: "")
        let badDate = try Fixtures.line(calls[2]).replacingOccurrences(
            of: "\"startedAt\":\"", with: "\"startedAt\":\"yesterday"
        )
        let lines = [
            try Fixtures.line(calls[0]),   // 0 ok
            "",                            // 1 empty: skipped, still counted
            "not json at all",             // 2
            missingSession,                // 3
            badDate,                       // 4
            "{\"id\": 5}",                 // 5
            try Fixtures.line(calls[3]) + "\r", // 6 ok (CRLF)
        ]
        let body = ByteBuffer(string: lines.joined(separator: "\n"))
        try await fixture.withClient { client in
            let response = try await client.execute(
                uri: "/api/v1/ingest", method: .post, headers: ServerFixture.headers(key: fixture.ingestKey), body: body
            )
            #expect(response.status == .ok)
            let reply = try Fixtures.decode(Reply.self, response.body)
            #expect(reply.accepted == 2)
            #expect(reply.duplicates == 0)
            #expect(reply.rejected.map(\.line) == [2, 3, 4, 5])
            // Reasons name the field (wording shared with CallCodec: "field 'x': …").
            #expect(reply.rejected[0].reason.contains("JSON"))
            #expect(reply.rejected[1].reason.contains("'session'"))
            #expect(reply.rejected[1].reason.contains("missing"))
            #expect(reply.rejected[2].reason.contains("startedAt"))
            #expect(reply.rejected[2].reason.contains("RFC 3339"))
            #expect(reply.rejected[3].reason.contains("'id'"))
        }
        #expect(try await fixture.store.call(id: "c1", project: fixture.project.id) != nil)
        #expect(try await fixture.store.call(id: "c4", project: fixture.project.id) != nil)
        #expect(try await fixture.store.call(id: "c2", project: fixture.project.id) == nil)
    }

    @Test func largeBatchDecodesInParallelChunksInOrder() async throws {
        let fixture = try await ServerFixture.make()
        var lines: [String] = []
        for i in 0..<2000 {
            if i % 500 == 7 {
                lines.append("{broken")
            } else {
                lines.append(try Fixtures.line(Call(
                    id: "bulk-\(i)", startedAt: Fixtures.base.addingTimeInterval(Double(i) / 1000),
                    durationNs: Int64(i) * 1000, method: "tools/call", target: "t\(i % 5)", session: "bulk"
                )))
            }
        }
        let body = ByteBuffer(string: lines.joined(separator: "\n"))
        try await fixture.withClient { client in
            let response = try await client.execute(
                uri: "/api/v1/ingest", method: .post, headers: ServerFixture.headers(key: fixture.ingestKey), body: body
            )
            let reply = try Fixtures.decode(Reply.self, response.body)
            #expect(reply.accepted == 1996)
            #expect(reply.rejected.map(\.line) == [7, 507, 1007, 1507])
        }
        let stored = try await fixture.store.sessionCalls(
            session: "bulk",
            query: CallQuery(project: fixture.project.id, from: Fixtures.base.addingTimeInterval(-1), to: Date()),
            limit: 5000
        )
        #expect(stored.count == 1996)
    }

    @Test func missingOrUnknownKeyIs401() async throws {
        let fixture = try await ServerFixture.make()
        let body = try Fixtures.ndjson(Fixtures.sampleCalls())
        try await fixture.withClient { client in
            for key in [nil, "tt_ingest_not-a-real-key"] {
                let response = try await client.execute(
                    uri: "/api/v1/ingest", method: .post, headers: ServerFixture.headers(key: key), body: body
                )
                #expect(response.status == .unauthorized)
                #expect(try Fixtures.object(response.body)["error"] as? String == "invalid API key")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            var basic = ServerFixture.headers(key: nil)
            basic[.authorization] = "Basic dXNlcjpwYXNz"
            let response = try await client.execute(uri: "/api/v1/ingest", method: .post, headers: basic, body: body)
            #expect(response.status == .unauthorized)
        }
        #expect(try await fixture.store.call(id: "c1", project: fixture.project.id) == nil)
    }

    @Test func readKeyCannotIngest() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.withClient { client in
            let response = try await client.execute(
                uri: "/api/v1/ingest", method: .post, headers: ServerFixture.headers(key: fixture.readKey),
                body: try Fixtures.ndjson(Fixtures.sampleCalls())
            )
            #expect(response.status == .forbidden)
            let body = try Fixtures.object(response.body)
            #expect(body["required"] as? String == "ingest")
            #expect(body["scope"] as? String == "read")
            #expect((body["error"] as? String)?.contains("does not allow ingest") == true)
        }
    }

    @Test(arguments: [nil, "text/plain", "application/xml", "multipart/form-data; boundary=x"])
    func wrongContentTypeIs415(contentType: String?) async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.withClient { client in
            let response = try await client.execute(
                uri: "/api/v1/ingest", method: .post,
                headers: ServerFixture.headers(key: fixture.ingestKey, contentType: contentType),
                body: try Fixtures.ndjson(Fixtures.sampleCalls())
            )
            #expect(response.status == .unsupportedMediaType)
            #expect((try Fixtures.object(response.body)["error"] as? String)?.contains("Content-Type") == true)
        }
    }

    @Test func charsetParameterAndUnknownEncoding() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.withClient { client in
            let ok = try await client.execute(
                uri: "/api/v1/ingest", method: .post,
                headers: ServerFixture.headers(key: fixture.ingestKey, contentType: "Application/X-NDJSON; charset=utf-8"),
                body: try Fixtures.ndjson(Fixtures.sampleCalls())
            )
            #expect(ok.status == .ok)
            var headers = ServerFixture.headers(key: fixture.ingestKey)
            headers[.contentEncoding] = "br"
            let brotli = try await client.execute(
                uri: "/api/v1/ingest", method: .post, headers: headers, body: ByteBuffer(string: "x")
            )
            #expect(brotli.status == .unsupportedMediaType)
            #expect((try Fixtures.object(brotli.body)["error"] as? String)?.contains("Content-Encoding") == true)
        }
    }

    @Test func bodyOverTheLimitIs413() async throws {
        var configured = try await ServerFixture.make()
        configured.configuration.maxBodyBytes = 4096
        let big = ByteBuffer(string: String(repeating: try Fixtures.line(Fixtures.sampleCalls()[0]) + "\n", count: 20))
        #expect(big.readableBytes > 4096)
        let fixture = configured
        try await fixture.withClient(.live) { client in
            let response = try await client.execute(
                uri: "/api/v1/ingest", method: .post, headers: ServerFixture.headers(key: fixture.ingestKey), body: big
            )
            #expect(response.status == .contentTooLarge)
            let body = try Fixtures.object(response.body)
            #expect(body["limitBytes"] as? String == "4096")
            #expect((body["error"] as? String)?.contains("larger than 4096 bytes") == true)
        }
        #expect(try await fixture.store.call(id: "c1", project: fixture.project.id) == nil)
    }

    @Test func gzipBombIs413() async throws {
        var configured = try await ServerFixture.make()
        configured.configuration.maxDecodedBodyBytes = 1024 * 1024
        // 8 MiB of newlines compresses to ~8 KiB: far under the compressed limit, far over the decompressed one.
        let bomb = try Fixtures.gzip(ByteBuffer(repeating: UInt8(ascii: "\n"), count: 8 * 1024 * 1024))
        #expect(bomb.readableBytes < 64 * 1024)
        let fixture = configured
        try await fixture.withClient { client in
            let response = try await client.execute(
                uri: "/api/v1/ingest", method: .post,
                headers: ServerFixture.headers(key: fixture.ingestKey, gzip: true), body: bomb
            )
            #expect(response.status == .contentTooLarge)
            #expect((try Fixtures.object(response.body)["error"] as? String)?.contains("decompressed body") == true)
        }
    }

    @Test func invalidGzipIs400() async throws {
        let fixture = try await ServerFixture.make()
        let valid = try Fixtures.gzip(try Fixtures.ndjson(Fixtures.sampleCalls()))
        let truncated = valid.getSlice(at: 0, length: valid.readableBytes / 2)!
        try await fixture.withClient { client in
            for body in [try Fixtures.ndjson(Fixtures.sampleCalls()), truncated] {
                let response = try await client.execute(
                    uri: "/api/v1/ingest", method: .post,
                    headers: ServerFixture.headers(key: fixture.ingestKey, gzip: true), body: body
                )
                #expect(response.status == .badRequest)
                #expect(try Fixtures.object(response.body)["error"] as? String == "body is not valid gzip")
            }
        }
    }
}
