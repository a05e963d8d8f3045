import Foundation
import Testing

@testable import TelltaleCapture

/// The on-disk spool on a real temporary folder.
@Suite("DiskSpool")
struct DiskSpoolTests {
    @Test("files list oldest first, with their call counts, and read back byte for byte")
    func writeListRead() throws {
        let directory = ShipperTestSupport.temporarySpool()
        defer { ShipperTestSupport.removeSpool(directory) }
        let spool = DiskSpool(directory: directory, maxBytes: 1 << 20)
        let bodies: [[UInt8]] = (0..<5).map { index in Array(repeating: UInt8(index), count: 100 + index) }
        for (index, body) in bodies.enumerated() {
            let outcome = spool.write(body, callCount: index + 1)
            #expect(outcome.error == nil)
            #expect(outcome.file != nil)
            #expect(outcome.evicted.isEmpty)
        }
        let files = spool.files()
        #expect(files.map(\.callCount) == [1, 2, 3, 4, 5])
        #expect(files.map(\.size) == [100, 101, 102, 103, 104])
        #expect(try files.map { try #require(spool.read($0)) } == bodies)
        #expect(spool.totalBytes() == 510)
        // No temporary files are left behind, and nothing but batch files and the lock file appears.
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(names.allSatisfy { $0.hasSuffix(".ndjson.gz") })
        // Spooled calls may carry payloads: owner-only permissions.
        let attributes = try FileManager.default.attributesOfItem(atPath: files[0].url.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        spool.remove(files[0])
        spool.remove(files[0])  // already gone: no error
        #expect(spool.files().count == 4)
        #expect(spool.read(files[0]) == nil)
    }

    @Test("over the bound, the oldest files are deleted and reported")
    func bound() {
        let directory = ShipperTestSupport.temporarySpool()
        defer { ShipperTestSupport.removeSpool(directory) }
        let spool = DiskSpool(directory: directory, maxBytes: 1000)
        var evictedCalls = 0
        for index in 0..<10 {
            let outcome = spool.write(Array(repeating: 7, count: 300), callCount: 10 + index)
            evictedCalls += outcome.evictedCalls
            #expect(spool.totalBytes() <= 1000)
        }
        let left = spool.files()
        #expect(left.map(\.callCount) == [17, 18, 19])
        #expect(evictedCalls == (10...16).reduce(0, +))

        let tooBig = spool.write(Array(repeating: 1, count: 2000), callCount: 99)
        #expect(tooBig.file == nil)
        #expect(tooBig.evicted.contains { $0.callCount == 99 })
        #expect(spool.totalBytes() <= 1000)
    }

    @Test("one drain lock per spool folder, across instances; released on release and on deinit")
    func drainLock() {
        let directory = ShipperTestSupport.temporarySpool()
        defer { ShipperTestSupport.removeSpool(directory) }
        let first = DiskSpool(directory: directory, maxBytes: 1 << 20)
        var second: DiskSpool? = DiskSpool(directory: directory, maxBytes: 1 << 20)
        #expect(first.tryAcquireDrainLock())
        #expect(first.tryAcquireDrainLock())  // re-entrant for its holder
        #expect(second?.tryAcquireDrainLock() == false)
        first.releaseDrainLock()
        #expect(second?.tryAcquireDrainLock() == true)
        #expect(!first.tryAcquireDrainLock())
        second = nil
        #expect(first.tryAcquireDrainLock())
    }

    @Test("the drain lock is held against another process (flock)")
    func drainLockAcrossProcesses() throws {
        let directory = ShipperTestSupport.temporarySpool()
        defer { ShipperTestSupport.removeSpool(directory) }
        let spool = DiskSpool(directory: directory, maxBytes: 1 << 20)
        #expect(spool.tryAcquireDrainLock())
        let lockPath = directory.appendingPathComponent(".drain.lock").path
        func otherProcessCanLock() throws -> Bool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
            process.arguments = ["--nonblock", lockPath, "true"]
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus == 0
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/flock") else { return }
        #expect(try !otherProcessCanLock())
        spool.releaseDrainLock()
        #expect(try otherProcessCanLock())
    }

    @Test("a write into a folder that cannot be created fails cleanly")
    func writeFailure() throws {
        let base = ShipperTestSupport.temporarySpool()
        defer { ShipperTestSupport.removeSpool(base) }
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let blocker = base.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        let spool = DiskSpool(directory: blocker.appendingPathComponent("spool"), maxBytes: 1 << 20)
        let outcome = spool.write([1, 2, 3], callCount: 1)
        #expect(outcome.file == nil)
        #expect(outcome.error != nil)
        #expect(spool.files().isEmpty)
    }
}
