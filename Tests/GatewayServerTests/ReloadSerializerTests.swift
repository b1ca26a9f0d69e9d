import Synchronization
import Testing

@testable import GatewayServer

/// Reloads never overlap, even though each suspends while it runs, and each one asked for runs.
@Suite struct ReloadSerializerTests {
    @Test func reloadsRunOneAtATime() async {
        let serializer = ReloadSerializer()
        let log = EntryLog()
        await withTaskGroup(of: Int.self) { group in
            for number in 0..<8 {
                group.addTask {
                    await serializer.run {
                        log.append("start \(number)")
                        try? await Task.sleep(for: .milliseconds(5))
                        log.append("end \(number)")
                        return number
                    }
                }
            }
            var finished: [Int] = []
            for await number in group { finished.append(number) }
            #expect(finished.sorted() == Array(0..<8))
        }
        let entries = log.entries
        #expect(entries.count == 16)
        for pair in stride(from: 0, to: entries.count, by: 2) {
            let started = entries[pair].dropFirst("start ".count)
            #expect(entries[pair].hasPrefix("start ") && entries[pair + 1] == "end \(started)", "overlap: \(entries)")
        }
    }
}

/// What the reloads did, in order, shared by the tasks of the test.
private final class EntryLog: Sendable {
    private let storage = Mutex<[String]>([])

    func append(_ entry: String) { storage.withLock { $0.append(entry) } }

    var entries: [String] { storage.withLock { $0 } }
}
