import Foundation
import Testing
import TelltaleCore
import TelltaleStore

@Suite("SQLiteCallStore projects and keys")
struct KeyTests {
    @Test("the default project is created once, names are unique")
    func projects() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let first = try await store.projects()
        #expect(first.map(\.name) == ["default"])
        #expect(try await store.projects() == first)
        let staging = try await store.createProject(name: "staging")
        #expect(try await store.projects().map(\.name) == ["default", "staging"])
        #expect(try await store.project(named: "staging") == staging)
        #expect(try await store.project(named: "nope") == nil)
        await #expect(throws: StoreError.projectExists(name: "staging")) { try await store.createProject(name: "staging") }
        await #expect(throws: StoreError.invalidProjectName("")) { try await store.createProject(name: "") }
        await #expect(throws: StoreError.invalidProjectName("a\nb")) { try await store.createProject(name: "a\nb") }
        #expect(StoreError.projectExists(name: "staging").description == "a project named \"staging\" already exists")
    }

    @Test("concurrent first calls create a single default project")
    func concurrentDefault() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let results = try await withThrowingTaskGroup(of: [Project].self) { group in
            for _ in 0..<8 { group.addTask { try await store.projects() } }
            return try await group.reduce(into: [[Project]]()) { $0.append($1) }
        }
        #expect(Set(results.map { $0.map(\.id) }) == [[1]])
    }

    @Test("a key authenticates to its project and scope", arguments: KeyScope.allCases)
    func authenticate(scope: KeyScope) async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        _ = try await store.projects()
        let project = try await store.createProject(name: "acme")
        let key = try await store.createKey(project: project.id, scope: scope, label: "laptop")
        #expect(key.plaintext.hasPrefix("tt_\(scope.rawValue)_"))
        let body = key.plaintext.dropFirst("tt_\(scope.rawValue)_".count)
        #expect(body.count == 40)
        #expect(body.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(key.project == project)
        let auth = try await store.authenticate(key: key.plaintext)
        #expect(auth == AuthenticatedKey(keyID: key.id, project: project, scope: scope))
    }

    @Test("wrong, malformed, foreign-scope and revoked keys are refused")
    func refused() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0].id
        let key = try await store.createKey(project: project, scope: .read, label: nil)
        let other = try await store.createKey(project: project, scope: .ingest, label: nil)
        #expect(key.plaintext != other.plaintext)

        // Same lookup part, wrong secret: found by lookup, refused by the hash comparison.
        var wrongSecret = Array(key.plaintext)
        wrongSecret[wrongSecret.count - 1] = wrongSecret.last == "a" ? "b" : "a"
        #expect(try await store.authenticate(key: String(wrongSecret)) == nil)
        // The scope is part of the key: relabelling a read key as admin does not work.
        #expect(try await store.authenticate(key: key.plaintext.replacingOccurrences(of: "tt_read_", with: "tt_admin_")) == nil)
        for garbage in ["", "Bearer \(key.plaintext)", "tt_read_short", "tt_root_" + String(repeating: "a", count: 40),
                        key.plaintext + "x", String(key.plaintext.dropLast()) + "!", "tt_read__" + String(repeating: "a", count: 39)] {
            #expect(try await store.authenticate(key: garbage) == nil, "\(garbage)")
        }

        #expect(try await store.revokeKey(id: key.id))
        #expect(try await store.revokeKey(id: key.id) == false)
        #expect(try await store.revokeKey(id: 9_999) == false)
        #expect(try await store.authenticate(key: key.plaintext) == nil)
        #expect(try await store.authenticate(key: other.plaintext)?.scope == .ingest)
    }

    @Test("keys are stored as SHA-256 hashes and listed without secrets")
    func storedHashed() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        let store = temp.store
        let project = try await store.projects()[0].id
        let key = try await store.createKey(project: project, scope: .ingest, label: "ci")
        // SHA-256 test vector ("abc", FIPS 180-2), then the stored hash is that of the plaintext.
        let abc = APIKeyFormat.hash("abc").map { String(format: "%02x", $0) }.joined()
        #expect(abc == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try await store.storedHash(keyID: key.id) == APIKeyFormat.hash(key.plaintext))

        _ = try await store.revokeKey(id: key.id)
        let listed = try await store.keys(project: project)
        #expect(listed.count == 1)
        #expect(listed[0].id == key.id)
        #expect(listed[0].scope == .ingest)
        #expect(listed[0].label == "ci")
        #expect(listed[0].revokedAt != nil)
        #expect(key.plaintext.hasPrefix(listed[0].prefix))
        #expect(listed[0].prefix.count == "tt_ingest_".count + APIKeyFormat.lookupLength)

        // The secret part appears nowhere in the database files.
        let secret = String(key.plaintext.suffix(APIKeyFormat.secretLength))
        for name in try FileManager.default.contentsOfDirectory(atPath: temp.directory.path) {
            let bytes = try Data(contentsOf: temp.directory.appendingPathComponent(name))
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "secret found in \(name)")
        }
    }

    @Test("a key for a missing project is refused")
    func keyForMissingProject() async throws {
        let temp = try TempStore()
        defer { temp.cleanUp() }
        await #expect(throws: StoreError.unknownProject(7)) {
            try await temp.store.createKey(project: 7, scope: .admin, label: nil)
        }
    }

    @Test("constant-time comparison: equal only when every byte and the length match")
    func constantTimeEquals() {
        let hash = APIKeyFormat.hash("tt_read_x")
        #expect(hash.count == 32)
        #expect(APIKeyFormat.constantTimeEquals(hash, hash))
        var first = hash
        first[0] ^= 1
        var last = hash
        last[31] ^= 0x80
        #expect(!APIKeyFormat.constantTimeEquals(hash, first))
        #expect(!APIKeyFormat.constantTimeEquals(hash, last))
        #expect(!APIKeyFormat.constantTimeEquals(hash, Array(hash.prefix(31))))
        #expect(APIKeyFormat.constantTimeEquals([], []))
    }

    @Test("key parsing accepts only tt_<scope>_<40 base62>")
    func parse() {
        let (plaintext, lookup) = APIKeyFormat.generate(scope: .admin)
        let parsed = APIKeyFormat.parse(plaintext)
        #expect(parsed?.scope == .admin)
        #expect(parsed?.lookup == lookup)
        #expect(APIKeyFormat.parse("tt_admin_" + String(repeating: "é", count: 40)) == nil)
        #expect(APIKeyFormat.parse("xx_admin_" + String(repeating: "a", count: 40)) == nil)
        #expect(APIKeyFormat.parse("tt_admin_" + String(repeating: "a", count: 40))?.lookup == "aaaaaaaa")
    }
}
