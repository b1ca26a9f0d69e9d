import GatewayTestSupport
import Testing
@testable import GatewayHTTP2

/// The session's stream table against a dictionary doing the same operations.
@Suite struct HTTP2StreamTableTests {
    /// A stream in each phase, told apart by `requestDelivered` / `responded`.
    private static func stream(inPhase phase: Int) -> HTTP2Stream {
        var delivered = HTTP2Stream()
        delivered.requestWasDelivered()
        var responded = HTTP2Stream()
        responded.responseSubmitted(nil)
        return [HTTP2Stream(), delivered, responded][phase]
    }

    private static func phase(_ stream: HTTP2Stream?) -> Int? {
        stream.map { $0.responded ? 2 : $0.requestDelivered ? 1 : 0 }
    }

    @Test func behavesLikeADictionaryForAscendingAndOutOfOrderIDs() {
        var generator = SplitMix64(seed: 42)
        var table = HTTP2StreamTable()
        var model: [Int32: Int] = [:]
        var nextID: Int32 = 1
        for step in 0..<20_000 {
            let roll = generator.next() % 10
            let id: Int32
            if roll < 4 {
                // The usual case: a new client stream, above every id so far.
                id = nextID
                nextID += 2
            } else {
                // Anything at or below the newest id, open or not (lookups of closed or unknown streams).
                id = Int32(generator.next() % UInt64(nextID + 1))
            }
            switch roll {
            case 0..<6:
                let phase = Int(generator.next() % 3)
                table[id] = Self.stream(inPhase: phase)
                model[id] = phase
            case 6..<8:
                #expect(Self.phase(table.removeValue(forKey: id)) == model.removeValue(forKey: id), "step \(step)")
            case 8:
                table[id] = nil
                model[id] = nil
            default:
                var copy = table[id]
                copy?.requestWasDelivered()
                if copy != nil { table[id] = copy }
                if model[id] != nil { model[id] = 1 }
            }
            #expect(Self.phase(table[id]) == model[id], "step \(step), id \(id)")
            #expect(table.count == model.count, "step \(step)")
        }
        for id in Int32(0)...nextID {
            #expect(Self.phase(table[id]) == model[id], "id \(id)")
        }
        #expect(table.ids { _ in true } == model.keys.sorted())
        #expect(table.ids { $0.responded } == model.filter { $0.value == 2 }.keys.sorted())
    }

    @Test func anEmptiedTableFindsNothingAndTakesNewStreams() {
        var table = HTTP2StreamTable()
        table[1] = HTTP2Stream()
        table[3] = HTTP2Stream()
        #expect(table.removeValue(forKey: 1) != nil && table.removeValue(forKey: 3) != nil)
        #expect(table.isEmpty && table[1] == nil && table.removeValue(forKey: 3) == nil)
        table[5] = HTTP2Stream()
        #expect(table.count == 1 && table[5] != nil)
    }
}
