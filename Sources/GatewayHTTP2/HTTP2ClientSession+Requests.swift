internal import CNGHTTP2
import NIOCore

// The sending side: requests (with an optional complete body) and resets.

extension HTTP2ClientSession {
    /// Submits a request; nil if the session cannot open more streams (GOAWAY seen or sent, stream ids
    /// exhausted). Streams beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS wait inside nghttp2 until
    /// a slot frees. Header names are lowercased (RFC 9113 §8.2.1).
    public func startRequest(
        method: String,
        path: String,
        authority: String,
        scheme: String = "https",
        headers: [(name: String, value: String)] = [],
        body: ByteBuffer? = nil
    ) -> HTTP2StreamID? {
        guard nghttp2_session_check_request_allowed(self.session) != 0 else {
            return nil
        }
        var fields: [(name: String, value: String)] = [
            (":method", method), (":scheme", scheme), (":authority", authority), (":path", path),
        ]
        fields.reserveCapacity(headers.count + 4)
        for header in headers {
            fields.append((name: header.name.lowercased(), value: header.value))
        }
        let id: Int32
        if let body {
            var provider = nghttp2_data_provider(
                source: nghttp2_data_source(ptr: nil),
                read_callback: { _, streamID, buffer, length, dataFlags, _, userData in
                    HTTP2ClientSession.readBody(buffer, length, dataFlags, userData) { destination, flags, userData in
                        HTTP2ClientSession.from(userData).readRequestBody(
                            streamID: streamID, into: destination, flags: flags)
                    }
                })
            id = withHeaderFields(fields) { nva, count in
                nghttp2_submit_request(self.session, nil, nva, count, &provider, nil)
            }
            if id > 0 {
                self.streams[id] = Stream(body: body)
            }
        } else {
            id = withHeaderFields(fields) { nva, count in
                nghttp2_submit_request(self.session, nil, nva, count, nil, nil)
            }
            if id > 0 {
                self.streams[id] = Stream()
            }
        }
        return id > 0 ? HTTP2StreamID(id) : nil
    }

    /// RST_STREAM now. The stream's `.streamClosed` follows once nghttp2 has closed it.
    public func resetStream(_ streamID: HTTP2StreamID, errorCode: UInt32) {
        guard self.streams[streamID.rawValue] != nil else {
            return
        }
        self.streams[streamID.rawValue]?.body = nil
        _ = nghttp2_submit_rst_stream(self.session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID.rawValue, errorCode)
    }

    /// The data provider's read callback: copy the next part of the request body, EOF after the last.
    func readRequestBody(
        streamID: Int32,
        into destination: UnsafeMutableRawBufferPointer,
        flags: UnsafeMutablePointer<UInt32>
    ) -> Int {
        guard var body = self.streams[streamID]?.body else {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            return 0
        }
        let count = min(destination.count, body.readableBytes)
        body.withUnsafeReadableBytes { source in
            destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<count]))
        }
        body.moveReaderIndex(forwardBy: count)
        if body.readableBytes == 0 {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            self.streams[streamID]?.body = nil
        } else {
            self.streams[streamID]?.body = body
        }
        return count
    }
}
