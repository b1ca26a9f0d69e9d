import Foundation
import GatewayTestSupport

/// One `/metrics` answer, parsed: sample lines `name{labels} value` by their series text.
struct MetricsScrape {
    let samples: [String: Double]

    init(_ text: String) {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        self.samples = samples
    }

    /// The sample of exactly this series (`name` or `name{label="value",…}` as rendered); 0 when absent.
    func value(_ series: String) -> Double { samples[series] ?? 0 }

    /// The sum of every series of `name` whose labels include all of `labels` (`key="value"` each).
    func sum(_ name: String, _ labels: String...) -> Double {
        samples.filter { series, _ in
            (series == name || series.hasPrefix(name + "{")) && labels.allSatisfy { series.contains($0) }
        }.values.reduce(0, +)
    }
}

extension TestGateway {
    /// Scrapes `/metrics` on the plaintext listener. The body goes to a file: a scrape of a test process
    /// holds every test's series, more than a child's output pipe is read reliably under load.
    func scrape(path: String = "/metrics") async throws -> MetricsScrape {
        let file = directory + "/scrape-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try await ChildProcess.run("curl", ["-sS", "--max-time", "20", "-o", file, "-w", "%{http_code}", plainURL + path])
        let status = Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        guard status == 200, let body = FileManager.default.contents(atPath: file) else {
            throw ScrapeFailed(status: status, curlErrors: result.errors)
        }
        return MetricsScrape(String(decoding: body, as: UTF8.self))
    }
}

/// A scrape that did not answer 200 (status 0: curl gave up).
struct ScrapeFailed: Error, CustomStringConvertible {
    let status: Int
    let curlErrors: String
    var description: String { "metrics answered \(status): \(curlErrors)" }
}
