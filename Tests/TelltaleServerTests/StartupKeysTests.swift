import Foundation
import Testing
import TelltaleStore
@testable import TelltaleServer

@Suite struct StartupKeysTests {
    @Test func firstStartCreatesIngestAndReadKeysOnce() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteCallStore(directory: directory.url)
        let first = try await StartupKeys.prepare(store: store, demo: false)
        #expect(first.project.name == "default")
        #expect(first.firstStart.map(\.scope) == [.ingest, .read])
        #expect(first.demo == nil)
        for key in first.firstStart {
            #expect(try await store.authenticate(key: key.plaintext)?.scope == key.scope)
        }
        let banner = first.banner(url: "http://127.0.0.1:7340", dataDirectory: directory.url.path)
        let ingest = try #require(first.firstStart.first)
        #expect(banner.contains("http://127.0.0.1:7340"))
        #expect(banner.contains("TELLTALE_API_KEY=\(ingest.plaintext) telltale run -- <your server>"))
        #expect(banner.contains(first.firstStart[1].plaintext))

        // A second start (same directory, new process) creates nothing and says how to make keys.
        let reopened = try SQLiteCallStore(directory: directory.url)
        let second = try await StartupKeys.prepare(store: reopened, demo: false)
        #expect(second.firstStart.isEmpty)
        #expect(try await reopened.keys(project: second.project.id).count == 2)
        let later = second.banner(url: "http://127.0.0.1:7340", dataDirectory: directory.url.path)
        #expect(later.contains("telltale keys create --scope ingest"))
        #expect(!later.contains("tt_ingest_"))
    }

    @Test func demoKeysAreFreshEachStartAndOldOnesRevoked() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteCallStore(directory: directory.url)
        let first = try await StartupKeys.prepare(store: store, demo: true)
        let demo = try #require(first.demo)
        let demoRead = try #require(first.demoRead)
        #expect(demo.scope == .ingest)
        #expect(demoRead.scope == .read)
        #expect(first.firstStart.count == 2)
        let banner = first.banner(url: "http://127.0.0.1:1", dataDirectory: "/d")
        #expect(banner.contains(demo.plaintext))
        #expect(banner.contains(demoRead.plaintext))

        let second = try await StartupKeys.prepare(store: store, demo: true)
        #expect(second.firstStart.isEmpty)
        #expect(try await store.authenticate(key: demo.plaintext) == nil)
        #expect(try await store.authenticate(key: try #require(second.demo).plaintext)?.scope == .ingest)
        // The first-start keys are untouched.
        #expect(try await store.authenticate(key: first.firstStart[0].plaintext) != nil)
    }

    @Test func dataDirectoryExpandsTilde() {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? ""
        #expect(DataDirectory.url("~/.telltale").path == URL(fileURLWithPath: home + "/.telltale").standardizedFileURL.path)
        #expect(DataDirectory.url("/tmp/x/../y").path == "/tmp/y")
    }
}
