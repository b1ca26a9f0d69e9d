internal import CNGHTTP2

/// Lays the fields out in one byte array and passes nghttp2 an nv array pointing into it.
/// nghttp2_submit_request and nghttp2_submit_response copy names and values, so the storage only has to
/// outlive the call. Shared by the server and the client session.
func withHeaderFields(
    _ fields: [(name: String, value: String)],
    _ body: (UnsafePointer<nghttp2_nv>, Int) -> Int32
) -> Int32 {
    var storage: [UInt8] = []
    var spans: [(name: Range<Int>, value: Range<Int>)] = []
    spans.reserveCapacity(fields.count)
    for field in fields {
        let nameStart = storage.count
        storage.append(contentsOf: field.name.utf8)
        let valueStart = storage.count
        storage.append(contentsOf: field.value.utf8)
        spans.append((name: nameStart..<valueStart, value: valueStart..<storage.count))
    }
    // Keep at least one byte so the base address is never nil (empty names/values point at it).
    storage.append(0)
    return storage.withUnsafeMutableBufferPointer { bytes in
        let base = bytes.baseAddress!
        let nva = spans.map { span in
            nghttp2_nv(
                name: base + span.name.lowerBound,
                value: base + span.value.lowerBound,
                namelen: span.name.count,
                valuelen: span.value.count,
                flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
        }
        return nva.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
    }
}
