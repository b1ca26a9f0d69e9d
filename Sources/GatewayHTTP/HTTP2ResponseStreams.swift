/// The response streams of one HTTP/2 connection, by stream id.
///
/// Stored as plain object references and cast back on the way out: a `ResponseStream` existential is two
/// words (the reference and its witness table) and this table has a bucket per ~0.4 streams (a hundred
/// streams take 256 buckets at the dictionary's 3/4 load), so one word less is ~20 bytes less per idle
/// stream. It is read when streams start, end and drain, never per event, so the cast costs nothing that
/// counts.
struct HTTP2ResponseStreams {
    private var objects: [Int32: AnyObject] = [:]

    var isEmpty: Bool { objects.isEmpty }
    var ids: [Int32] { Array(objects.keys) }

    subscript(id: Int32) -> (any ResponseStream)? {
        objects[id].map(Self.stream)
    }

    mutating func insert(_ stream: any ResponseStream, id: Int32) {
        objects[id] = stream
    }

    mutating func remove(_ id: Int32) -> (any ResponseStream)? {
        objects.removeValue(forKey: id).map(Self.stream)
    }

    /// Takes every stream out, in no particular order.
    mutating func removeAll() -> [(id: Int32, stream: any ResponseStream)] {
        defer { objects.removeAll() }
        return objects.map { (id: $0.key, stream: Self.stream($0.value)) }
    }

    private static func stream(_ object: AnyObject) -> any ResponseStream {
        object as! any ResponseStream  // only streams go in (`insert`)
    }
}
