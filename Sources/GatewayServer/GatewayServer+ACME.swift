import Foundation
import GatewayACME

extension GatewayServer {
    /// Longest single sleep of the renewal loop: a suspended laptop or a clock step is noticed within this.
    static let renewalCheckInterval = Duration.seconds(3600)

    /// Obtains and renews the ACME certificate for as long as the server runs, driven by the
    /// `RenewalSchedule` state machine: order when it says so (at once without a certificate, at two
    /// thirds of the lifetime with one), back off with jitter after a failure, and swap each new
    /// certificate in through a reload of the runtime snapshot (new handshakes get it; no stream drops).
    func startACMERenewal() -> Task<Void, Never>? {
        guard let acme else { return nil }
        return Task {
            let manager = acme.manager
            var schedule = manager.renewalSchedule(holding: acme.certificate)
            if let stored = acme.certificate {
                logger.notice("ACME: using the stored certificate", metadata: [
                    "serial": "\(stored.summary.serialNumber)", "not_after": "\(stored.notAfter)",
                ])
            } else {
                logger.notice("ACME: no stored certificate yet; the configured certificate serves until one arrives")
            }
            while !Task.isCancelled {
                switch schedule.nextAction(now: Date()) {
                case .orderNow:
                    do {
                        let certificate = try await manager.orderCertificate()
                        schedule.certificateInstalled(notBefore: certificate.notBefore, notAfter: certificate.notAfter)
                        acme.installed(certificate)
                        let outcome = await reloadCertificates()
                        logger.notice("ACME: certificate obtained", metadata: [
                            "serial": "\(certificate.summary.serialNumber)", "not_after": "\(certificate.notAfter)",
                            "domains": "\(manager.configuration.domains.joined(separator: ","))", "installed": "\(outcome.succeeded)",
                        ])
                    } catch {
                        let retryAt = schedule.orderFailed(now: Date())
                        logger.error("ACME: order failed", metadata: [
                            "error": "\(error)", "retry_at": "\(retryAt)", "failures": "\(schedule.consecutiveFailures)",
                        ])
                    }
                case .waitUntil(let date):
                    let seconds = max(0.05, date.timeIntervalSinceNow)
                    try? await Task.sleep(for: min(.milliseconds(Int64(seconds * 1000)), Self.renewalCheckInterval))
                case .waitForRunningOrder:
                    // Orders run inside this loop, one at a time, so none is ever running here.
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }
}
