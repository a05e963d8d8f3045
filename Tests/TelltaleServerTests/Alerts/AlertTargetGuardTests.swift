import Foundation
import Synchronization
import Testing
import TelltaleCore
@testable import TelltaleServer

/// The private-target guard: schemes, address ranges, channel validation.
@Suite struct AlertTargetGuardTests {
    @Test(arguments: [
        ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"),
        ("172.16.0.1", "private"), ("172.31.255.255", "private"), ("192.168.1.1", "private"), ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"), ("fc00::1", "private (unique local)"), ("fd12:3456::1", "private (unique local)"),
        ("100.64.0.1", "shared (carrier-grade NAT)"), ("100.127.255.254", "shared (carrier-grade NAT)"), ("0.0.0.0", "unspecified"),
        ("::", "unspecified"), ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"), ("255.255.255.255", "broadcast"),
        // NAT64 and 6to4 carry an IPv4 address, judged like the mapped form.
        ("64:ff9b::127.0.0.1", "loopback"), ("64:ff9b::a9fe:a9fe", "link-local"), ("64:ff9b::10.1.2.3", "private"),
        ("64:ff9b:1::127.0.0.1", "loopback"), ("64:ff9b:1:a9fe:a9:fe00::", "link-local"), ("64:ff9b:1:c0a8:1:100::", "private"),
        ("2002:7f00:1::", "loopback"), ("2002:a9fe:a9fe::1", "link-local"), ("2002:c0a8:101::", "private"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "reserved (Teredo 2001::/32)"), ("100::1", "reserved (discard-only 100::/64)"),
        ("192.0.0.8", "reserved (IETF protocol assignments 192.0.0.0/24)"), ("198.18.0.1", "benchmarking"),
        ("198.19.255.254", "benchmarking"), ("192.0.2.10", "documentation"), ("198.51.100.7", "documentation"),
        ("203.0.113.200", "documentation"),
    ])
    func nonPublicAddressesAreClassified(address: String, range: String) throws {
        #expect(try #require(IPAddressBytes(address)).nonPublicRange == range)
    }

    @Test(arguments: ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2606:4700::1111", "::ffff:8.8.8.8",
                      "64:ff9b::808:808", "2002:808:808::1", "192.0.1.1", "198.17.255.255", "198.20.0.1", "198.51.101.1",
                      "203.0.114.1", "2001:4860:4860::8888", "101::1", "64:ff9b:1::808:808"])
    func publicAddressesPass(address: String) throws {
        #expect(try #require(IPAddressBytes(address)).nonPublicRange == nil)
        #expect(IPAddressBytes(address)?.description == address)
    }

    @Test func urlsAreCheckedByTheirResolvedAddresses() async throws {
        let guardian = AlertTargetGuard()
        for (url, expected) in [
            ("http://127.0.0.1:8080/hook", "host 127.0.0.1 resolves to 127.0.0.1 (loopback)"),
            ("http://localhost/hook", "host localhost resolves to"),
            ("https://[::1]:9000/x", "host ::1 resolves to ::1 (loopback)"),
            ("http://169.254.169.254/latest/meta-data", "(link-local)"),
            ("http://10.0.0.5/", "(private)"),
            ("http://[fd00::5]/", "(private (unique local))"),
            ("http://100.64.1.1/", "(shared (carrier-grade NAT))"),
            ("http://0.0.0.0/", "(unspecified)"),
            ("http://224.0.0.251/", "(multicast)"),
        ] {
            let error = await #expect(throws: AlertTargetError.self) { try await guardian.check(url) }
            #expect(error?.field == "url")
            #expect(error?.reason.contains(expected) == true, "\(url): \(error?.reason ?? "")")
            #expect(error?.reason.contains("--allow-private-targets") == true)
            #expect(error?.reason.contains("/latest") != true && error?.reason.contains("/hook") != true)
            #expect(error?.isPermanent == true)
            #expect(try await AlertTargetGuard(allowPrivateTargets: true).check(url).absoluteString == url)
        }
        for url in ["ftp://example.com/x", "file:///etc/passwd", "javascript:alert(1)", "gopher://127.0.0.1/"] {
            let error = await #expect(throws: AlertTargetError.self) { try await AlertTargetGuard(allowPrivateTargets: true).check(url) }
            #expect(error?.reason.hasPrefix("scheme must be http or https") == true, "\(url): \(error?.reason ?? "")")
        }
        let noHost = await #expect(throws: AlertTargetError.self) { try await guardian.check("http:///path") }
        #expect(noHost?.reason == "the URL has no host")
        #expect(try await guardian.check("https://93.184.216.34/hook").host == "93.184.216.34")
        try await guardian.checkTarget(URL(string: "https://93.184.216.34/hook")!)
        await #expect(throws: AlertTargetError.self) { try await guardian.checkTarget(URL(string: "http://10.0.0.1/x")!) }
    }

    @Test func aDeliveryTargetIsTheAddressThatWasChecked() async throws {
        let lookups = Mutex<[String]>([])
        let answers: [String: [String]] = ["hooks.example.com": ["93.184.216.34", "2606:4700::1111"],
                                           "rebound.example.com": ["93.184.216.34", "127.0.0.1"],
                                           "nat64.example.com": ["64:ff9b::a9fe:a9fe"]]
        let guardian = AlertTargetGuard { host in
            lookups.withLock { $0.append(host) }
            return (answers[host] ?? []).compactMap(IPAddressBytes.init)
        }
        let target = try await guardian.deliveryTarget("https://hooks.example.com/in?x=1")
        #expect(target.address == IPAddressBytes("93.184.216.34"))
        #expect(target.host == "hooks.example.com")
        #expect(target.url.absoluteString == "https://hooks.example.com/in?x=1")
        // One public and one loopback answer: refused, whichever the client would have picked.
        let rebound = await #expect(throws: AlertTargetError.self) { try await guardian.deliveryTarget("http://rebound.example.com/") }
        #expect(rebound?.reason.contains("127.0.0.1 (loopback)") == true)
        let nat64 = await #expect(throws: AlertTargetError.self) { try await guardian.deliveryTarget("http://nat64.example.com/") }
        #expect(nat64?.reason.contains("(link-local)") == true)
        let unknown = await #expect(throws: AlertTargetError.self) { try await guardian.deliveryTarget("http://nowhere.example.com/") }
        #expect(unknown?.isPermanent == false)
        // IP literals are their own address, not looked up.
        #expect(try await guardian.deliveryTarget("http://[2606:4700::1111]:8443/x").address == IPAddressBytes("2606:4700::1111"))
        #expect(lookups.withLock { $0 } == ["hooks.example.com", "rebound.example.com", "nat64.example.com", "nowhere.example.com"])
        let allowed = AlertTargetGuard(allowPrivateTargets: true) { _ in [IPAddressBytes("10.0.0.7")!] }
        #expect(try await allowed.deliveryTarget("http://internal.example/").address == IPAddressBytes("10.0.0.7"))
    }

    @Test func channelsAreValidatedByKind() async throws {
        let guardian = AlertTargetGuard()
        try await guardian.validate(AlertChannel(id: "1", name: "m", kind: .email, emailTo: ["a@example.com", "Ops <ops@example.com>"]))
        try await guardian.validate(AlertChannel(id: "2", name: "w", kind: .webhook, url: "https://93.184.216.34/h", secret: StandardWebhookSigner.generateSecret()))
        for (channel, field) in [
            (AlertChannel(id: "3", name: "m", kind: .email), "emailTo"),
            (AlertChannel(id: "4", name: "m", kind: .email, emailTo: ["not an address"]), "emailTo"),
            (AlertChannel(id: "5", name: "s", kind: .slack), "url"),
            (AlertChannel(id: "6", name: "s", kind: .slack, url: "http://192.168.0.10/services/x"), "url"),
            (AlertChannel(id: "7", name: "w", kind: .webhook, url: "https://93.184.216.34/h", secret: "whsec_c2hvcnQ="), "secret"),
        ] {
            let error = await #expect(throws: AlertTargetError.self) { try await guardian.validate(channel) }
            #expect(error?.field == field, "\(channel.id): \(error?.description ?? "")")
        }
    }
}
