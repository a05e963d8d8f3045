import Foundation

/// The sign-in page: a key field, an optional message, and how to get a key.
enum SignInPage {
    static func render(next: String, message: String? = nil, signedOut: Bool = false) -> String {
        let notice: HTML
        if let message {
            notice = "<div class=\"error-box\" role=\"alert\" id=\"sign-in-error\">\(message)</div>"
        } else if signedOut {
            notice = "<div class=\"notice\" role=\"status\" id=\"signed-out\">You are signed out.</div>"
        } else {
            notice = .empty
        }
        let content: HTML = """
        <div class="login">
        <h1>Sign in to Telltale</h1>
        <p>Paste a <strong>read</strong> or <strong>admin</strong> API key. Ingest keys only send data and cannot open the dashboard.</p>
        \(notice)
        <form method="post" action="/login" id="sign-in-form">
        <label for="key">API key</label>
        <input type="password" id="key" name="key" autocomplete="off" spellcheck="false" required autofocus>
        <input type="hidden" name="next" value="\(next)">
        <button type="submit" id="sign-in">Sign in</button>
        </form>
        <p class="muted">No key? Run <code>telltale keys create --scope read</code>, or open the one-time sign-in link that <code>telltale serve</code> printed when it started.</p>
        </div>
        """
        return DashboardLayout.bare(title: "Sign in", content)
    }
}
