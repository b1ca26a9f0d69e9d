import ArgumentParser
import Foundation
import GatewayConfig
import GatewayServer
import Logging
import ServiceLifecycle

/// `ssegate`: flags → config → server; nothing else lives here.
@main
struct SSEGate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssegate",
        abstract: "A TLS-terminating HTTP/2 Server-Sent-Events gateway.",
        version: GatewayVersion.current,
        subcommands: [Run.self, CheckConfig.self, Reload.self, Token.self, ConfigReferenceCommand.self, Version.self],
        defaultSubcommand: Run.self
    )
}

/// Where the config comes from: `--config PATH`, else `conf/ssegate.yaml` when present, else the embedded default.
struct ConfigOption: ParsableArguments {
    @Option(name: [.short, .long], help: "Config file (default: conf/ssegate.yaml if present, else the embedded default).")
    var config: String?

    func load() throws(ConfigurationError) -> (GatewayConfiguration, source: String) {
        if let config { return (try GatewayConfiguration.load(contentsOf: config), config) }
        let conventional = "conf/ssegate.yaml"
        if FileManager.default.fileExists(atPath: conventional) {
            return (try GatewayConfiguration.load(contentsOf: conventional), conventional)
        }
        return (try GatewayConfiguration.parse(yaml: GatewayConfiguration.defaultYAML, fileName: "<embedded default>"), "<embedded default>")
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the gateway (the default command).",
        discussion: "SIGTERM or SIGINT drains (streams end with a retry hint) and exits; SIGHUP re-reads the config."
    )

    @OptionGroup var options: ConfigOption

    @Option(name: .long, help: "Write the process id to this file (for `ssegate reload --pid-file`).")
    var pidFile: String?

    func run() async throws {
        let (configuration, source): (GatewayConfiguration, String)
        do {
            (configuration, source) = try options.load()
            // Token keys are read once here so a broken one is reported at its line, like any config problem;
            // the server reads them again when it starts.
            _ = try await configuration.tokenVerifier(environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG: the server refuses to start on a bad config.
        }
        let purge = Allocator.configureForServing(environment: ProcessInfo.processInfo.environment)
        GatewayLogging.bootstrap(configuration.logging)
        let logger = Logger(label: "ssegate")
        logger.notice("starting", metadata: [
            "version": "\(GatewayVersion.current)", "config": "\(source)", "allocator": "\(Allocator.description)",
            "allocator_purge": "\(purge)",
        ])
        let server: GatewayServer
        do {
            // A reload reads the same place again: the file, or (started on the embedded default) the default.
            let options = self.options
            server = try GatewayServer(
                configuration: configuration, logger: logger, environment: ProcessInfo.processInfo.environment,
                configurationPath: source == "<embedded default>" ? nil : source,
                configurationSource: { try options.load().0 })
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        if let pidFile {
            do {
                try PIDFile.write(to: pidFile)
            } catch {
                logger.critical("cannot write the pid file", metadata: ["file": "\(pidFile)", "error": "\(error)"])
                throw ExitCode(1)
            }
        }
        defer { if let pidFile { PIDFile.remove(pidFile) } }
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        do {
            try await group.run()
        } catch {
            logger.critical("stopped", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a config file and read its token keys; print every problem as file:line:column.",
        discussion: "With --print-defaults, write the full commented default config instead (a starting point for your own)."
    )

    @OptionGroup var options: ConfigOption

    @Flag(name: .long, help: "Print the default configuration, with its comments, and exit.")
    var printDefaults = false

    func run() async throws {
        if printDefaults {
            print(GatewayConfiguration.defaultYAML, terminator: GatewayConfiguration.defaultYAML.hasSuffix("\n") ? "" : "\n")
            return
        }
        do {
            let (configuration, source) = try options.load()
            let verifier = try await configuration.tokenVerifier(environment: ProcessInfo.processInfo.environment)
            let keys = verifier.map { ", \($0.keyCount) token keys" } ?? ""
            print("\(source): ok (\(configuration.listeners.count) listeners, \(configuration.routes.count) routes\(keys))")
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct Version: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")

    func run() async throws {
        print("ssegate \(GatewayVersion.current) (\(Allocator.description))")
    }
}
