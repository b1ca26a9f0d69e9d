/// The session's streams by id: two arrays in ascending id order, searched by bisection.
///
/// Why not a dictionary: a Swift dictionary stays at most three-quarters full and doubles, so a connection
/// with a hundred streams had 256 buckets (key and value, ~31 bytes per stream); here a stream costs its id
/// and its one-word entry (12 bytes, ~16 with the arrays' growth). Client streams arrive in ascending id
/// order (RFC 9113 §5.1.1), so a new stream is an append; a lookup is about seven comparisons on one or two
/// cache lines at a hundred streams, which is also cheaper than hashing the id; a close shifts the later
/// entries down (at most `maxConcurrentStreams` of them, a few hundred bytes).
struct HTTP2StreamTable {
    /// Ascending; `entries[i]` is the stream with id `ids[i]`.
    private var ids: ContiguousArray<Int32> = []
    private var entries: ContiguousArray<HTTP2Stream> = []

    var count: Int { ids.count }
    var isEmpty: Bool { ids.isEmpty }

    /// Where `id` is, or where it would go to keep `ids` ascending.
    private func position(of id: Int32) -> (index: Int, found: Bool) {
        // The newest stream is the usual one asked about right after it arrives.
        guard let last = ids.last else { return (0, false) }
        if last <= id { return last == id ? (ids.count - 1, true) : (ids.count, false) }
        // Branch-free bisection: the loop runs log2(count) times whatever the ids, and each step picks its
        // half with a conditional move. A branch per step on which half the id is in is a coin toss for the
        // predictor, and the fan-out looks a stream up twice per delivery (`prefetch`, then `enqueue`):
        // the branching search was ~3.9% of fan-out CPU at 100 streams per connection.
        return ids.withUnsafeBufferPointer { ids in
            // Here `ids` is not empty and its last id is greater than `id`.
            var base = 0
            var length = ids.count
            while length > 1 {
                let half = length / 2
                base = ids[base + half] < id ? base + half : base
                length -= half
            }
            // `base` is the last index whose id is below `id` (or 0 when none is): the answer is it or the next.
            let index = ids[base] < id ? base + 1 : base
            return (index, ids[index] == id)
        }
    }

    /// The body queue's address of stream `id` (see `HTTP2Stream.outboundAddress`).
    func outboundAddress(of id: Int32) -> UnsafeRawPointer? {
        let (index, found) = position(of: id)
        return found ? entries[index].outboundAddress : nil
    }

    /// The stream with `id`; assigning nil removes it.
    subscript(id: Int32) -> HTTP2Stream? {
        get {
            let (index, found) = position(of: id)
            return found ? entries[index] : nil
        }
        set {
            let (index, found) = position(of: id)
            switch (found, newValue) {
            case (true, let stream?): entries[index] = stream
            case (true, nil): remove(at: index)
            case (false, let stream?):
                ids.insert(id, at: index)
                entries.insert(stream, at: index)
            case (false, nil): break
            }
        }
    }

    /// Removes and returns the stream with `id`, if there is one.
    @discardableResult
    mutating func removeValue(forKey id: Int32) -> HTTP2Stream? {
        let (index, found) = position(of: id)
        guard found else { return nil }
        let stream = entries[index]
        remove(at: index)
        return stream
    }

    private mutating func remove(at index: Int) {
        ids.remove(at: index)
        entries.remove(at: index)
        // A connection's streams can all end while it lives on: give the storage back then, as the
        // dictionary this replaced did not.
        if ids.isEmpty {
            ids = []
            entries = []
        }
    }

    /// Ids of the streams for which `include` is true, ascending.
    func ids(where include: (HTTP2Stream) -> Bool) -> [Int32] {
        ids.indices.compactMap { include(entries[$0]) ? ids[$0] : nil }
    }
}
