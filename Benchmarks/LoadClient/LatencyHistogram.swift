import Histogram

/// Publish-to-receive latency in microseconds (1 µs … 60 s, 3 significant digits).
struct LatencyHistogram {
    private(set) var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)

    mutating func record(_ nanoseconds: UInt64) {
        _ = self.histogram.record(min(nanoseconds / 1000, 60_000_000))
    }

    mutating func add(_ other: LatencyHistogram) {
        self.histogram.add(other.histogram)
    }

    var count: UInt64 { self.histogram.totalCount }

    /// Milliseconds at a percentile.
    func milliseconds(atPercentile percentile: Double) -> Double {
        guard self.count > 0 else { return 0 }
        return Double(self.histogram.valueAtPercentile(percentile)) / 1000
    }

    var maxMilliseconds: Double { self.count > 0 ? Double(self.histogram.max) / 1000 : 0 }
}
