import GatewayConfig

#if canImport(Glibc)
import Glibc
#endif

extension GatewayServer {
    /// How often the certificate files are looked at, and how long they must be quiet before a reload.
    static let certificateWatchInterval = Duration.milliseconds(500)
    static let certificateDebounce = Duration.seconds(1)

    /// Watches the configured certificate and key files and reloads when they change, so a renewal by
    /// certbot (or any tool that writes the files) takes effect with no signal. Polling, twice a second,
    /// rather than inotify: it sees renames and symbolic links switched (certbot's `live/` links) alike, and
    /// costs a few `stat` calls.
    func startCertificateWatcher() -> Task<Void, Never> {
        Task {
            let clock = ContinuousClock()
            let started = clock.now
            var watched = self.watchedCertificatePaths
            var debouncer = CertificateChangeDebouncer(
                initial: Self.signature(of: watched), debounce: Self.certificateDebounce, firstRetryDelay: .seconds(2))
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.certificateWatchInterval)
                let paths = self.watchedCertificatePaths
                if paths != watched {
                    // A reload named other files: watch those, as loaded now.
                    watched = paths
                    debouncer = CertificateChangeDebouncer(
                        initial: Self.signature(of: watched), debounce: Self.certificateDebounce, firstRetryDelay: .seconds(2))
                    continue
                }
                let action = debouncer.observed(Self.signature(of: watched), at: clock.now - started)
                switch action {
                case .nothing:
                    continue
                case .reload:
                    logger.notice("certificate files changed on disk: reloading", metadata: ["files": "\(watched.joined(separator: ", "))"])
                    let outcome = await self.reloadCertificates()
                    debouncer.reloadFinished(succeeded: outcome.succeeded, at: clock.now - started)
                    if !outcome.succeeded {
                        logger.warning("certificate reload refused (a pair written halfway?); it is retried")
                    }
                }
            }
        }
    }

    /// The configured certificate and key files of TLS listeners, in configuration order.
    private var watchedCertificatePaths: [String] {
        let configuration = self.configuration
        guard configuration.listeners.contains(where: \.tls) else { return [] }
        return configuration.tls.certificates.flatMap { [$0.certificatePath, $0.keyPath] }
    }

    /// `stat` follows symbolic links, so a switched link counts as a change of the file it names.
    static func signature(of paths: [String]) -> CertificateChangeDebouncer.Signature {
        paths.map { path in
            var information = stat()
            guard stat(path, &information) == 0 else { return .missing }
            return FileSignature(
                inode: UInt64(information.st_ino), size: Int64(information.st_size),
                modifiedSeconds: Int(information.st_mtim.tv_sec), modifiedNanoseconds: Int(information.st_mtim.tv_nsec))
        }
    }
}
