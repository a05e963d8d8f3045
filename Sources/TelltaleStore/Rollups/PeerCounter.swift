import Foundation
import TelltaleCore

/// Counts rows per (name, version) text pair straight from SQLite's column bytes.
///
/// Sessions per client over a week are ~10⁵ index entries but a dozen distinct peers: hashing the bytes in
/// place and comparing them only on a hash match avoids building two Strings per row.
struct PeerCounter {
    private struct Entry {
        var name: [UInt8]
        var version: [UInt8]?
        var count: Int
    }

    private var entries: [UInt64: [Entry]] = [:]

    /// Counts one pair; a nil name is skipped.
    mutating func add(name: UnsafeBufferPointer<UInt8>?, version: UnsafeBufferPointer<UInt8>?) {
        guard let name else { return }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash = (hash ^ 0xFF) &* 0x100_0000_01b3
        if let version {
            for byte in version { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        } else {
            hash = (hash ^ 0x1_0000) &* 0x100_0000_01b3
        }
        if let index = entries[hash]?.firstIndex(where: { Self.equal($0.name, name) && Self.equal($0.version, version) }) {
            entries[hash]![index].count += 1
        } else {
            entries[hash, default: []].append(Entry(name: Array(name), version: version.map(Array.init), count: 1))
        }
    }

    private static func equal(_ stored: [UInt8]?, _ bytes: UnsafeBufferPointer<UInt8>?) -> Bool {
        guard let stored, let bytes else { return stored == nil && bytes == nil }
        return stored.count == bytes.count && stored.elementsEqual(bytes)
    }

    /// The counts per peer.
    var counts: [PeerInfo: Int] {
        var result: [PeerInfo: Int] = [:]
        for entry in entries.values.joined() {
            let peer = PeerInfo(
                name: String(decoding: entry.name, as: UTF8.self),
                version: entry.version.map { String(decoding: $0, as: UTF8.self) })
            result[peer, default: 0] += entry.count
        }
        return result
    }
}
