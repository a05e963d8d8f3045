/// How the dispatcher retries and bounds deliveries.
package struct AlertDeliveryPolicy: Sendable {
    /// Attempts per delivery, the first included (default 5).
    package var maxAttempts: Int
    /// The wait after the first failed attempt; doubled after each further one (default 1 s).
    package var baseDelay: Duration
    /// The longest wait between attempts.
    package var maxDelay: Duration
    /// Attempts running at once across all deliveries; the others wait their turn (default 64).
    package var maxConcurrentAttempts: Int
    /// How long `shutdown()` waits for attempts in flight.
    package var shutdownGracePeriod: Duration
    /// The longest one attempt may take as a whole (HTTP requests also time out after 10 s on their own,
    /// SMTP replies after the SMTP timeout each; this bounds a server answering slowly step by step).
    package var attemptTimeout: Duration

    package init(maxAttempts: Int = 5, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(300),
                 maxConcurrentAttempts: Int = 64, shutdownGracePeriod: Duration = .seconds(15), attemptTimeout: Duration = .seconds(30)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxConcurrentAttempts = max(1, maxConcurrentAttempts)
        self.shutdownGracePeriod = shutdownGracePeriod
        self.attemptTimeout = attemptTimeout
    }

    /// The wait after failed attempt number `attempt` (1-based): `base × 2^(attempt−1)`, capped, with
    /// "equal jitter" (between half of it and all of it) so receivers are not hit in lockstep.
    package func delay(afterAttempt attempt: Int, jitter: Double = Double.random(in: 0...1)) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let full = min(baseDelay * (1 << exponent), maxDelay)
        return full / 2 + full * (min(max(jitter, 0), 1) / 2)
    }
}
