import Foundation
import TelltaleCore
import TelltaleStore

/// What the alerts API needs besides the store; without a test sender, "send test" answers 503.
package struct AlertServices: Sendable {
    package var testSender: (any AlertTestSending)?

    package init(testSender: (any AlertTestSending)? = nil) {
        self.testSender = testSender
    }
}
