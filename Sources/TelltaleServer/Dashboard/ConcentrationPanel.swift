import Foundation
import TelltaleCore

/// The session error concentration panel: top 5% share, top 10 share, the verdict sentence and the sessions
/// holding the most errors.
enum ConcentrationPanel {
    static func render(_ report: ConcentrationReport, _ request: DashboardRequest) -> HTML {
        let concentration = report.concentration
        let numbers: HTML = """
        <section class="cards" aria-label="Error concentration">
        <div class="card" id="top5-share"><div class="label">Errors in the top 5% of sessions (\(DashboardFormat.count(concentration.topSessions)))</div><div class="value">\(DashboardFormat.percent(concentration.topShare))</div></div>
        <div class="card" id="top10-share"><div class="label">Errors in the top 10 sessions</div><div class="value">\(DashboardFormat.percent(concentration.top10Share))</div></div>
        <div class="card"><div class="label">Sessions with errors</div><div class="value">\(DashboardFormat.count(concentration.sessionsWithErrors)) of \(DashboardFormat.count(concentration.activeSessions))</div></div>
        <div class="card"><div class="label">Errors</div><div class="value">\(DashboardFormat.count(concentration.errors))</div></div>
        <div class="card" id="half-error-sessions"><div class="label">Fewest sessions holding half the errors</div><div class="value">\(DashboardFormat.count(concentration.halfErrorSessions))</div></div>
        </section>
        """
        let top: HTML = report.topSessions.isEmpty ? .empty : """
        <h3>Sessions with the most errors</h3>
        \(SessionsPage.table(report.topSessions, request, id: "top-error-sessions"))
        """
        return """
        <section class="panel" id="concentration">
        <h2>Session error concentration</h2>
        <p class="verdict" id="concentration-verdict" data-verdict="\(concentration.verdict.rawValue)">\(report.message)</p>
        \(numbers)
        \(top)
        </section>
        """
    }
}
