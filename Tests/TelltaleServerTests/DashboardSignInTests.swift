import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TelltaleCore
import TelltaleStore
@testable import TelltaleServer

@Suite struct DashboardSignInTests {
    @Test func readKeySignsInWithAStrictHttpOnlyCookieAndGoesWhereItWasHeaded() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.withClient { client in
            let response = try await DashboardBrowser.post(client, "/login", [("key", fixture.readKey), ("next", "/tools?range=1h")])
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/tools?range=1h")
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.hasPrefix("telltale_session="))
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=604800"] {
                #expect(cookie.contains(attribute), "\(attribute) missing in \(cookie)")
            }
            #expect(!cookie.contains("Secure"))
            let pair = try DashboardBrowser.cookiePair(response)
            let page = try await DashboardBrowser.page(client, "/tools?range=1h", cookie: pair)
            #expect(page.contains("<h1>Tools</h1>"))
            #expect(page.contains("Project: default"))
            #expect(!page.contains("project-picker"))
        }
    }

    @Test func adminKeySignsInAndCookieFollowsConfiguration() async throws {
        var setup = try await ServerFixture.make()
        setup.configuration.dashboard = DashboardConfiguration(sessionTTL: 3600, secureCookies: true)
        let fixture = setup
        try await fixture.withClient { client in
            let response = try await DashboardBrowser.post(client, "/login", [("key", fixture.adminKey)])
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/")
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.contains("Max-Age=3600"))
            #expect(cookie.contains("Secure"))
        }
    }

    @Test func ingestKeyAndWrongKeyAreRefusedOnThePage() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.withClient { client in
            let ingest = try await DashboardBrowser.post(client, "/login", [("key", fixture.ingestKey)])
            #expect(ingest.status == .ok)  // the form again, with the reason
            #expect(ingest.headers[.setCookie] == nil)
            #expect(String(buffer: ingest.body).contains("That is an ingest key"))
            let wrong = try await DashboardBrowser.post(client, "/login", [("key", "tt_read_nope")])
            #expect(wrong.status == .ok)
            #expect(wrong.headers[.setCookie] == nil)
            #expect(String(buffer: wrong.body).contains("That key is not valid"))
            let empty = try await DashboardBrowser.post(client, "/login", [("key", "")])
            #expect(empty.status == .ok)
            #expect(String(buffer: empty.body).contains("Enter an API key."))
        }
    }

    @Test func oneTimeLinkSignsInOnceOnly() async throws {
        let fixture = try await ServerFixture.make()
        let token = try await fixture.store.createSignInToken(
            DashboardGrant(keyID: nil, project: fixture.project.id, scope: .admin), expiresAt: Date().addingTimeInterval(3600)
        )
        try await fixture.withClient { client in
            let first = try await DashboardBrowser.get(client, "/login/\(token)", cookie: nil)
            #expect(first.status == .seeOther)
            #expect(first.headers[.location] == "/")
            let cookie = try DashboardBrowser.cookiePair(first)
            let page = try await DashboardBrowser.page(client, "/tools", cookie: cookie)
            #expect(page.contains("<h1>Tools</h1>"))
            let second = try await DashboardBrowser.get(client, "/login/\(token)", cookie: nil)
            #expect(second.status == .seeOther)
            #expect(second.headers[.setCookie] == nil)
            #expect(second.headers[.location] == "/login?link=expired")
            let login = try await DashboardBrowser.get(client, "/login?link=expired", cookie: nil)
            #expect(String(buffer: login.body).contains("already used or has expired"))
        }
    }

    @Test func signOutEndsTheSession() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: fixture.readKey)
            _ = try await DashboardBrowser.page(client, "/tools", cookie: cookie)
            let out = try await DashboardBrowser.post(client, "/logout", [], cookie: cookie)
            #expect(out.status == .seeOther)
            #expect(out.headers[.location] == "/login?signedOut=1")
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            let after = try await DashboardBrowser.get(client, "/tools", cookie: cookie)
            #expect(after.status == .seeOther)
            #expect(after.headers[.location] == "/login?next=%2Ftools")
        }
    }

    @Test func pagesRedirectToSignInKeepingOnlySameOriginTargets() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.withClient { client in
            let page = try await DashboardBrowser.get(client, "/tools?range=1h&tool=a%20b", cookie: nil)
            #expect(page.status == .seeOther)
            #expect(page.headers[.location] == "/login?next=%2Ftools%3Frange%3D1h%26tool%3Da%2520b")
            let root = try await DashboardBrowser.get(client, "/", cookie: nil)
            #expect(root.headers[.location] == "/login")
            let bogus = try await DashboardBrowser.get(client, "/calls/x", cookie: "telltale_session=forged")
            #expect(bogus.status == .seeOther)

            let login = try await DashboardBrowser.get(client, "/login?next=%2Fmatrix", cookie: nil)
            #expect(login.status == .ok)
            #expect(login.headers[.contentSecurityPolicy] == DashboardResponse.contentSecurityPolicy)
            #expect(String(buffer: login.body).contains("name=\"next\" value=\"/matrix\""))
            for evil in ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"] {
                let response = try await DashboardBrowser.post(client, "/login", [("key", fixture.readKey), ("next", evil)])
                #expect(response.headers[.location] == "/", "next=\(evil)")
            }
        }
    }

    @Test func theAPIAcceptsTheSessionCookieForReadsOnly() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.store.insert(Fixtures.sampleCalls(), project: fixture.project.id)
        try await fixture.withClient { client in
            let cookie = try await DashboardBrowser.signIn(client, key: fixture.readKey)
            let tools = try await DashboardBrowser.get(client, "/api/v1/tools", cookie: cookie)
            #expect(tools.status == .ok)
            #expect(String(buffer: tools.body).contains("\"search\""))
            let anonymous = try await DashboardBrowser.get(client, "/api/v1/tools", cookie: nil)
            #expect(anonymous.status == .unauthorized)
            var headers: HTTPFields = [.cookie: cookie, .contentType: "application/x-ndjson"]
            let ingest = try await client.execute(
                uri: "/api/v1/ingest", method: .post, headers: headers, body: try Fixtures.ndjson(Fixtures.sampleCalls())
            )
            #expect(ingest.status == .unauthorized)
            // Bearer keys keep working alongside.
            headers = ServerFixture.headers(key: fixture.readKey, contentType: nil)
            #expect(try await client.execute(uri: "/api/v1/tools", method: .get, headers: headers).status == .ok)
        }
    }

    @Test func adminSwitchesProjectsAndReadKeysCannot() async throws {
        let fixture = try await ServerFixture.make()
        let other = try await fixture.store.createProject(name: "staging")
        try await fixture.withClient { client in
            let admin = try await DashboardBrowser.signIn(client, key: fixture.adminKey)
            let before = try await DashboardBrowser.page(client, "/tools", cookie: admin)
            #expect(before.contains("id=\"project-picker\""))
            #expect(before.contains("<option value=\"\(other.id)\">staging</option>"))
            let switched = try await DashboardBrowser.post(client, "/project", [("project", String(other.id)), ("next", "/tools")], cookie: admin)
            #expect(switched.status == .seeOther)
            #expect(switched.headers[.location] == "/tools")
            let after = try await DashboardBrowser.page(client, "/tools", cookie: admin)
            #expect(after.contains("<option value=\"\(other.id)\" selected>staging</option>"))

            let read = try await DashboardBrowser.signIn(client, key: fixture.readKey)
            let refused = try await DashboardBrowser.post(client, "/project", [("project", String(other.id))], cookie: read)
            #expect(refused.status == .forbidden)
            let readPage = try await DashboardBrowser.page(client, "/tools", cookie: read)
            #expect(readPage.contains("Project: default"))
        }
    }

    @Test func assetsAreServedWithCacheHeaders() async throws {
        let fixture = try await ServerFixture.make()
        try await fixture.withClient { client in
            let css = try await DashboardBrowser.get(client, "/assets/app.css", cookie: nil)
            #expect(css.status == .ok)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            #expect(css.headers[.cacheControl] == "public, max-age=3600")
            #expect(String(buffer: css.body).contains(".heat-9"))
            let js = try await DashboardBrowser.get(client, "/assets/app.js", cookie: nil)
            #expect(js.status == .ok)
            #expect(js.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(String(buffer: js.body).contains("auto-refresh"))
        }
    }
}
