import Foundation
import Testing
import TelltaleCore
import TelltaleStore

@Suite("SQLiteCallStore insert")
struct InsertTests {
    @Test("a batch is stored once: the same ids again count as nothing new")
    func idempotentInsert() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let project = try await temp.store.projects()[0].id
        let first = try await temp.store.insert(Traffic.calls, project: project)
        #expect(first == Traffic.calls.count)
        let again = try await temp.store.insert(Traffic.calls, project: project)
        #expect(again == 0)
        // Half old, half new: only the new half counts.
        let mixed = Array(Traffic.legacy.prefix(3)) + [Call(startedAt: Traffic.at(seconds: 50), method: "ping", session: "s-legacy")]
        #expect(try await temp.store.insert(mixed, project: project) == 1)
        // Duplicates inside one batch count once.
        let twin = Call(startedAt: Traffic.at(seconds: 51), method: "ping", session: "s-legacy")
        #expect(try await temp.store.insert([twin, twin], project: project) == 1)
        let summary = try await temp.store.summary(Traffic.query(project: project))
        #expect(summary.calls == 15 + 2)
        #expect(try await temp.store.insert([], project: project) == 0)
    }

    @Test("ids are unique per project, and projects do not see each other's calls")
    func projectIsolation() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let first = try await temp.store.projects()[0].id
        let second = try await temp.store.createProject(name: "staging").id
        #expect(try await temp.store.insert(Traffic.legacy, project: first) == Traffic.legacy.count)
        #expect(try temp.store.insertSync(Array(Traffic.legacy.prefix(2)), project: second) == 2)
        #expect(try temp.store.insertSync(Array(Traffic.legacy.prefix(2)), project: second) == 0)
        #expect(try await temp.store.summary(Traffic.query(project: first)).calls == 10)
        #expect(try await temp.store.summary(Traffic.query(project: second)).calls == 1)
        #expect(try await temp.store.call(id: "legacy-0", project: second) != nil)
        #expect(try await temp.store.call(id: "legacy-20", project: second) == nil)
    }

    @Test("inserting into a project that does not exist fails clearly")
    func unknownProject() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        await #expect(throws: StoreError.unknownProject(42)) {
            try await temp.store.insert(Traffic.legacy, project: 42)
        }
        #expect(StoreError.unknownProject(42).description == "no project with id 42")
    }

    @Test("in concurrent batches, a batch for a missing project fails alone")
    func groupCommitIsolation() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0].id
        let results = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
            for lane in 0..<12 {
                group.addTask {
                    let calls = (0..<100).map { index in
                        Call(id: "g-\(lane)-\(index)", startedAt: Traffic.at(seconds: Double(index)), method: "tools/call",
                             target: "echo", session: "s-\(lane)")
                    }
                    do {
                        return (lane, .success(try await store.insert(calls, project: lane % 4 == 3 ? 999 : project)))
                    } catch {
                        return (lane, .failure(error))
                    }
                }
            }
            return await group.reduce(into: [Int: Result<Int, any Error>]()) { $0[$1.0] = $1.1 }
        }
        for lane in 0..<12 {
            switch results[lane] {
            case .success(let count):
                #expect(lane % 4 != 3)
                #expect(count == 100)
            case .failure(let error):
                #expect(lane % 4 == 3)
                #expect(error as? StoreError == .unknownProject(999))
            case nil:
                Issue.record("no result for lane \(lane)")
            }
        }
        #expect(try await store.summary(Traffic.query(project: project)).calls == 900)
        #expect(try await store.sessions(Traffic.query(project: project), limit: 20).count == 9)
    }

    @Test("every field survives the round trip, payloads and tags included")
    func roundTrip() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let project = try await temp.store.projects()[0].id
        try await temp.store.insert(Traffic.calls, project: project)
        for original in Traffic.calls {
            let stored = try await temp.store.call(id: original.id, project: project)
            #expect(stored == original)
        }
        let forecast = try #require(try await temp.store.call(id: "legacy-20", project: project))
        #expect(forecast.response == Traffic.legacy[3].response)
        let modern = try #require(try await temp.store.call(id: "modern-1", project: project))
        #expect(modern.trace?.traceId == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(modern.tags == ["env": "staging", "tenant": "acme"])
        #expect(try await temp.store.call(id: "missing", project: project) == nil)
    }

    @Test("acknowledged calls survive closing and reopening the file")
    func durableAcrossReopen() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let project = try await temp.store.projects()[0].id
        let key = try await temp.store.createKey(project: project, scope: .ingest, label: "ci")
        try await temp.store.insert(Traffic.calls, project: project)
        let before = try await temp.store.summary(Traffic.query(project: project))

        let reopened = try temp.reopen()
        #expect(try await reopened.projects().map(\.name) == ["default"])
        #expect(try await reopened.summary(Traffic.query(project: project)) == before)
        #expect(try await reopened.authenticate(key: key.plaintext)?.keyID == key.id)
        #expect(try await reopened.insert(Traffic.calls, project: project) == 0)
    }

    @Test("two stores on one file (a server and `telltale keys create`) see each other's commits")
    func twoStoresOneFile() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let other = try temp.reopen()
        let project = try await temp.store.projects()[0].id
        async let inserted = temp.store.insert(Traffic.calls, project: project)
        async let key = other.createKey(project: project, scope: .read, label: "cli")
        let (count, issued) = try await (inserted, key)
        #expect(count == Traffic.calls.count)
        #expect(try await temp.store.authenticate(key: issued.plaintext)?.scope == .read)
        #expect(try await other.summary(Traffic.query(project: project)).calls == 15)
        #expect(try await other.projects().count == 1)
    }

    @Test("the file is in WAL mode with synchronous FULL by default, NORMAL on request")
    func pragmas() throws {
        let full = try TempStore()
        defer { full.cleanUp() }
        #expect(FileManager.default.fileExists(atPath: full.directory.appendingPathComponent("telltale.sqlite").path))
        let (mode, synchronous) = try full.store.pragmas()
        #expect(mode == "wal")
        #expect(synchronous == 2)
        let normal = try TempStore(durability: .normal)
        defer { normal.cleanUp() }
        #expect(try normal.store.pragmas().synchronous == 1)
    }

    @Test("concurrent batches from many tasks all land, each exactly once")
    func concurrentInserts() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0].id
        let batches = (0..<8).map { batch in
            (0..<250).map { index in
                Call(id: "c-\(batch)-\(index)", startedAt: Traffic.at(seconds: Double(index)), durationNs: 1_000,
                     method: "tools/call", target: "echo", session: "s-\(batch)")
            }
        }
        let inserted = try await withThrowingTaskGroup(of: Int.self) { group in
            for batch in batches + batches {
                group.addTask { try await store.insert(batch, project: project) }
            }
            return try await group.reduce(0, +)
        }
        #expect(inserted == 2_000)
        #expect(try await store.summary(Traffic.query(project: project)).calls == 2_000)
    }
}
