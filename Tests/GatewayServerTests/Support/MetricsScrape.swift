import Foundation

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
    /// Scrapes `/metrics` on the plaintext listener.
    func scrape(path: String = "/metrics") async throws -> MetricsScrape {
        let answer = try await curl([plainURL + path])
        precondition(answer.status == 200, "metrics answered \(answer.status): \(answer.body)")
        return MetricsScrape(answer.body)
    }
}
