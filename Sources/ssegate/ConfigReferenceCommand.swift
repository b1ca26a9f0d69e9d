import ArgumentParser
import GatewayConfig

/// `ssegate config-reference`: the README's configuration reference, printed from the schema table.
struct ConfigReferenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config-reference",
        abstract: "Print the configuration reference (every key: type, default, meaning) as Markdown.",
        discussion: "scripts/config-reference.sh puts this output into README.md; a test fails when the README is stale."
    )

    func run() async throws {
        print(ConfigurationReference.markdown(), terminator: "")
    }
}
