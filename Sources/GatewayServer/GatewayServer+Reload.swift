import GatewayApp
import GatewayConfig
import GatewayHTTP
import Logging
import NIOCore
import UnixSignals

// Reload: SIGHUP, `ssegate reload`, the certificate watcher, ACME renewals and the admin API all come here.

extension GatewayServer {
    /// Reads the configuration file again (or, without one, the running configuration's certificate files),
    /// validates all of it, and applies it without dropping a stream; on any problem nothing changes.
    ///
    /// Applying means, in this order: bind added listeners (a port in use refuses the reload), swap the
    /// runtime snapshot (new handshakes get the new certificates, new requests the new routes and settings),
    /// end the streams of removed routes with a `retry:` hint, and stop and drain removed listeners.
    /// Streams whose route is still configured keep their bytes flowing: the swap does not touch them.
    /// Reloads run one at a time; every outcome is logged in one line.
    public func reload() async -> ReloadOutcome {
        await reload(readingConfigurationFile: true)
    }

    /// A reload of the running configuration's certificates only (the watcher, ACME): an edit of the
    /// configuration file waits for the operator's own reload.
    func reloadCertificates() async -> ReloadOutcome {
        await reload(readingConfigurationFile: false)
    }

    private func reload(readingConfigurationFile: Bool) async -> ReloadOutcome {
        await reloads.run { await self.reloadNow(readingConfigurationFile: readingConfigurationFile) }
    }

    /// One reload; `reloads` runs them one at a time.
    private func reloadNow(readingConfigurationFile: Bool) async -> ReloadOutcome {
        // A drain has closed the listeners and is ending the streams: nothing may be bound or swapped now.
        guard !state.withLock({ $0.stopped }) else { return refused(["the gateway is draining; nothing was reloaded"]) }
        let running = configuration
        let loaded: GatewayConfiguration
        if readingConfigurationFile, let configurationPath {
            do {
                loaded = try GatewayConfiguration.load(contentsOf: configurationPath)
            } catch {
                return refused(error.problems.map(\.description))
            }
        } else if readingConfigurationFile, let configurationSource {
            do {
                loaded = try configurationSource()
            } catch let error as ConfigurationError {
                return refused(error.problems.map(\.description))
            } catch {
                return refused(["\(error)"])
            }
        } else {
            loaded = running
        }
        let plan = ReloadPlan(running: running, loaded: loaded)
        let snapshot: RuntimeSnapshot
        do {
            snapshot = try await makeSnapshot(plan.effective)
        } catch {
            return refused(["\(error)"])
        }
        let (bound, bindProblems) = await bindAll(plan.addedListeners)
        guard bindProblems.isEmpty else {
            for (_, channel) in bound { channel.close(promise: nil) }
            return refused(bindProblems)
        }
        runtime.replace(with: snapshot)
        // Joining is idempotent: sources already open stay as they are, added always-on routes start now.
        upstreams.startAlwaysOn(plan.effective.routes.map(\.route))
        let streamsEnded = (try? await OpenStreamSweep.endStreamsNotKept(by: snapshot, on: loops.all)?.get()) ?? 0
        stopListeners(plan.removedListeners)
        state.withLock { $0.listeners += bound }
        for (listener, channel) in bound { logListening(listener, channel) }
        logger.notice("configuration reloaded", metadata: [
            "changed": "\(plan.changes.isEmpty ? "nothing" : plan.changes.joined(separator: ", "))",
            "restart_needed": "\(plan.needsRestart.isEmpty ? "nothing" : plan.needsRestart.joined(separator: ", "))",
            "streams_ended": "\(streamsEnded)",
        ])
        for setting in plan.needsRestart {
            logger.warning("setting changed but needs a restart; the old value stays in force", metadata: ["setting": "\(setting)"])
        }
        return .applied(changes: plan.changes, needsRestart: plan.needsRestart, streamsEnded: streamsEnded)
    }

    private func refused(_ problems: [String]) -> ReloadOutcome {
        for problem in problems {
            logger.error("reload refused: \(problem)")
        }
        logger.error("reload refused; the running configuration keeps serving", metadata: ["problems": "\(problems.count)"])
        return .refused(problems: problems)
    }

    /// Binds each listener; on the first failure the rest are not tried.
    private func bindAll(_ listeners: [ListenerConfiguration]) async -> (bound: [(ListenerConfiguration, any Channel)], problems: [String]) {
        var bound: [(ListenerConfiguration, any Channel)] = []
        for listener in listeners {
            do {
                bound.append((listener, try await bind(listener).get()))
            } catch {
                return (bound, ["\(BindError(listener: listener, underlying: error))"])
            }
        }
        return (bound, [])
    }

    /// Stops accepting on each listener and drains its connections (GOAWAY, streams ended, closed), so the
    /// clients reconnect to a listener that stays.
    private func stopListeners(_ listeners: [ListenerConfiguration]) {
        let stopped = state.withLock { state in
            // By binding: the limits may have changed by reload since the listener was bound.
            let stopped = state.listeners.filter { entry in listeners.contains { $0.binding == entry.configuration.binding } }
            state.listeners.removeAll { entry in listeners.contains { $0.binding == entry.configuration.binding } }
            return stopped
        }
        for (listener, channel) in stopped {
            channel.close(promise: nil)
            for connection in registry.channels where connection.parent === channel {
                connection.pipeline.fireUserInboundEventTriggered(DrainEvent())
            }
            logger.notice("listener removed: stopped accepting, its connections drain", metadata: ["listener": "\(listener.name)"])
        }
    }

    /// Reloads on every SIGHUP until cancelled (what `systemctl reload`, `ssegate reload` and certbot's
    /// deploy hooks send). Installing the handler also stops SIGHUP's default action, termination.
    func reloadOnHangup() async {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups {
            logger.notice("SIGHUP: reloading", metadata: ["config": "\(configurationPath ?? "<in-process>")"])
            _ = await reload()
        }
    }
}
