"""Slow clients for the edge-deadline tests, each over TLS. Prints READY once the probe is in place, then
one JSON line with what happened and how long the gateway took (seconds since READY).

usage: deadline_probe.py MODE HOST PORT CAFILE [CHANNEL]
  h1-head     HTTP/1.1 request head that never completes
  h1-body     POST with Content-Length: 100, 3 body bytes, then nothing
  h1-discard  POST larger than publish.max_body, 80 KiB sent, then nothing (the gateway discards the rest)
  h2-body     HTTP/2: an event stream stays open while a POST on the same connection never ends its body
  h2-stall    HTTP/2: stream A reads N events then never returns window credit; stream B reads everything.
              After A is reset, a new stream resumes with A's Last-Event-ID and must miss nothing.
  h1-stall    HTTP/1.1 event stream (CHANNEL, PATH_PREFIX, EXPECTED_TOTAL) read up to its opening, then
              never again (4 KiB receive buffer) until SIGUSR1; then read to the end, and resume with
              Last-Event-ID on a new connection until EXPECTED_TOTAL events arrived in all.
  h2-open-block      HTTP/2 HEADERS without END_HEADERS and never a CONTINUATION
  h2-partial-frame   HTTP/2 HEADERS frame header announcing N bytes, then fewer
  h2-partial-priority  the same with the PRIORITY flag, fewer bytes than its 5-byte priority field
  h2-partial-header  5 bytes of a 9-byte HTTP/2 frame header
"""
import json
import socket
import ssl
import sys
import time

mode, host, port, cafile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
channel = sys.argv[5] if len(sys.argv) > 5 else "probe"


def connect(alpn):
    context = ssl.create_default_context(cafile=cafile)
    context.set_alpn_protocols([alpn])
    sock = context.wrap_socket(socket.create_connection((host, port)), server_hostname=host)
    assert sock.selected_alpn_protocol() == alpn, sock.selected_alpn_protocol()
    return sock


def report(**fields):
    print(json.dumps(fields), flush=True)


def wait_for_close(sock, started, limit=120):
    """Reads (and drops) until the gateway closes; returns seconds since `started`, or None."""
    sock.settimeout(1.0)
    while time.time() - started < limit:
        try:
            if not sock.recv(65536):
                return time.time() - started
        except socket.timeout:
            continue
        except (ConnectionResetError, ssl.SSLError, OSError):
            return time.time() - started
    return None


def h1(request):
    sock = connect("http/1.1")
    sock.sendall(request)
    started = time.time()
    print("READY", flush=True)
    report(closed_after=wait_for_close(sock, started))


def dechunk(raw):
    """The body of a chunked HTTP/1.1 response in `raw` (head included), up to where it was cut off.
    Linear in `raw`: the resumed stream below is ~8 MB, and a client slowed down by copying it over and over
    stops reading long enough for the gateway's stall deadline to end it."""
    head_end = raw.find(b"\r\n\r\n")
    if head_end < 0:
        return b""
    at, parts = head_end + 4, []
    while True:
        line_end = raw.find(b"\r\n", at)
        if line_end < 0:
            break
        size = int(bytes(raw[at:line_end]).split(b";")[0], 16)
        if size == 0:
            break
        start = line_end + 2
        parts.append(raw[start:start + size])
        if len(raw) < start + size + 2:
            break
        at = start + size + 2
    return b"".join(parts)


def sse_events(body):
    """[(id, data)] of the complete events in `body`, and the last id it set (an id-only block counts)."""
    events, last_id = [], None
    for block in body.split(b"\n\n")[:-1]:
        fields = dict(line.split(b": ", 1) for line in block.split(b"\n") if b": " in line and not line.startswith(b":"))
        if b"id" in fields:
            last_id = fields[b"id"].decode()
        if b"data" in fields:
            events.append((fields.get(b"id", b"").decode(), fields[b"data"].decode()))
    return events, last_id


def h1_stall(prefix, expected):
    import signal
    resumed = []
    signal.signal(signal.SIGUSR1, lambda *_: resumed.append(time.time()))
    # Started from a Swift concurrency thread, this process inherits a mask that may block the signal.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGUSR1])
    context = ssl.create_default_context(cafile=cafile)
    context.set_alpn_protocols(["http/1.1"])
    raw_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw_sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: the window stays small
    raw_sock.connect((host, port))
    sock = context.wrap_socket(raw_sock, server_hostname=host)
    sock.sendall(f"GET {prefix}/{channel} HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n".encode())
    raw = b""
    while sse_events(dechunk(raw))[1] is None:  # the opening's position id
        chunk = sock.recv(4096)
        if not chunk:
            raise SystemExit(f"closed before the stream opened: {raw!r}")
        raw += chunk
    print("READY", flush=True)
    started = time.time()
    while not resumed and time.time() - started < 150:
        time.sleep(0.05)
    print(f"resumed reading after {time.time() - started:.1f}s", file=sys.stderr, flush=True)
    closed = wait_for_close_keeping(sock, raw)
    old, last_id = sse_events(dechunk(closed["raw"]))
    print(f"old connection: closed_after={closed['closed_after']}, {len(closed['raw'])} bytes, {len(old)} events, last id {last_id}", file=sys.stderr, flush=True)
    new = []
    if closed["closed_after"] is not None:
        sock = connect("http/1.1")
        sock.sendall(f"GET {prefix}/{channel} HTTP/1.1\r\nHost: test\r\nLast-Event-ID: {last_id}\r\n\r\n".encode())
        sock.settimeout(1.0)
        raw, began, parsed = bytearray(), time.time(), 0
        while len(old) + len(new) < expected and time.time() - began < 60:
            try:
                chunk = sock.recv(1 << 20)
            except socket.timeout:
                chunk = None
            if chunk == b"":
                break
            raw += chunk or b""
            # Counted every 256 KiB, or when the line goes quiet: parsing all of `raw` after each 16 KiB
            # record would keep this client from reading for seconds near the end (the stall deadline is 2 s).
            if chunk is None or len(raw) - parsed >= 256 * 1024:
                new, parsed = sse_events(dechunk(raw))[0], len(raw)
        new = sse_events(dechunk(raw))[0]
    print(f"resumed: {len(new)} events", file=sys.stderr, flush=True)
    tag = lambda events: ["-".join(data.split("-")[:2]) for _, data in events]
    report(closed_after=closed["closed_after"], old=tag(old), new=tag(new))


def wait_for_close_keeping(sock, raw, limit=60):
    """Reads (keeping the bytes) until the gateway closes; `closed_after` is seconds from now, or None."""
    sock.settimeout(1.0)
    raw, began = bytearray(raw), time.time()
    while time.time() - began < limit:
        try:
            chunk = sock.recv(1 << 20)
        except socket.timeout:
            continue
        except (ConnectionResetError, ssl.SSLError, OSError):
            return {"raw": raw, "closed_after": time.time() - began}
        if not chunk:
            return {"raw": raw, "closed_after": time.time() - began}
        raw += chunk
    return {"raw": raw, "closed_after": None}


def h2_raw(payload_after_settings):
    """Preface and SETTINGS, then `payload_after_settings` and nothing more: READY, then one JSON line
    with when the gateway closed the connection and whether a GOAWAY came first (frames read by hand:
    hyper-h2 cannot send a broken frame)."""
    sock = connect("h2")
    sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b"") + payload_after_settings)
    started = time.time()
    print("READY", flush=True)
    sock.settimeout(1.0)
    received, goaway, closed_after = b"", None, None
    while time.time() - started < 120:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, ssl.SSLError, OSError):
            chunk = b""
        if not chunk:
            closed_after = time.time() - started
            break
        received += chunk
        while len(received) >= 9:
            length = int.from_bytes(received[:3], "big")
            if len(received) < 9 + length:
                break
            if received[3] == 7 and goaway is None:  # GOAWAY: last stream id, error code
                goaway = int.from_bytes(received[13:17], "big")
            received = received[9 + length:]
    report(closed_after=closed_after, goaway=goaway)


def frame(kind, flags, stream, payload):
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + payload


def request_block():
    import hpack
    return hpack.Encoder().encode([(":method", "GET"), (":path", f"/events/{channel}"), (":scheme", "https"), (":authority", "test")])


END_STREAM, END_HEADERS, PRIORITY = 0x1, 0x4, 0x20

if mode == "h1-head":
    h1(b"GET /events/" + channel.encode() + b" HTTP/1.1\r\nHost: test\r\nAccept: text/event-")
elif mode == "h1-body":
    h1(b"POST /publish/" + channel.encode() + b" HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nabc")
elif mode == "h1-discard":
    h1(b"POST /publish/" + channel.encode() + b" HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: 10000000\r\n\r\n" + b"x" * 80 * 1024)
elif mode == "h1-stall":
    h1_stall(sys.argv[6], int(sys.argv[7]))
elif mode == "h2-open-block":
    h2_raw(frame(1, END_STREAM, 1, request_block()))  # no END_HEADERS, and no CONTINUATION follows
elif mode == "h2-partial-frame":
    block = request_block()
    h2_raw(frame(1, END_STREAM | END_HEADERS, 1, block)[:9 + len(block) // 2])
elif mode == "h2-partial-priority":
    block = bytes(5) + request_block()
    h2_raw(frame(1, END_STREAM | END_HEADERS | PRIORITY, 1, block)[:9 + 2])
elif mode == "h2-partial-header":
    h2_raw(frame(1, END_STREAM | END_HEADERS, 1, request_block())[:5])
else:
    import h2.config
    import h2.connection
    import h2.events
    import h2.settings

    sock = connect("h2")
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    conn.increment_flow_control_window(2**30)
    authority = f"{host}:{port}"

    def request(method, path, end_stream, extra=()):
        stream = conn.get_next_available_stream_id()
        headers = [(":method", method), (":path", path), (":scheme", "https"), (":authority", authority)] + list(extra)
        conn.send_headers(stream, headers, end_stream=end_stream)
        sock.sendall(conn.data_to_send())
        return stream

    def ids_and_data(buffer):
        """Complete events in `buffer`: [(id, data)], and the incomplete rest."""
        *blocks, rest = buffer.split(b"\n\n")
        events = []
        for block in blocks:
            fields = dict(line.split(b": ", 1) for line in block.split(b"\n") if b": " in line and not line.startswith(b":"))
            if b"data" in fields:
                events.append((fields.get(b"id", b"").decode(), fields[b"data"].decode()))
        return events, rest

    def reset_of(watched, sibling):
        """Prints READY, then reads until `watched` is reset (at most 120 s), giving the sibling stream
        all the credit it needs; answers the reset's error code, when it came, and whether the sibling
        ended meanwhile."""
        started = time.time()
        print("READY", flush=True)
        sock.settimeout(1.0)
        reset, reset_after, sibling_ended = None, None, False
        while reset is None and time.time() - started < 120:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                break
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.StreamReset) and event.stream_id == watched:
                    reset, reset_after = int(event.error_code), time.time() - started
                elif isinstance(event, (h2.events.StreamReset, h2.events.StreamEnded)) and event.stream_id == sibling:
                    sibling_ended = True
                elif isinstance(event, h2.events.DataReceived) and event.stream_id == sibling:
                    conn.acknowledge_received_data(event.flow_controlled_length, sibling)
            sock.sendall(conn.data_to_send())
        return {"reset": reset, "reset_after": reset_after, "sibling_ended": sibling_ended}

    if mode == "h2-body":
        sibling = request("GET", f"/events/{channel}", True)
        post = request("POST", f"/publish/{channel}", False, [("content-type", "text/plain")])
        conn.send_data(post, b"abc")  # and never END_STREAM
        sock.sendall(conn.data_to_send())
        report(**reset_of(post, sibling))

    elif mode == "h2-stall":
        # usage: ... h2-stall HOST PORT CAFILE CHANNEL READ_FIRST EXPECTED_TOTAL
        read_first, expected = int(sys.argv[6]), int(sys.argv[7])
        stream_a = request("GET", f"/events/{channel}", True)
        stream_b = request("GET", f"/events/{channel}", True)
        buffers = {stream_a: b"", stream_b: b""}
        events = {stream_a: [], stream_b: []}
        opened, reset_a, stalled_at, reset_after, stream_c = set(), None, None, None, None
        announced = False
        started = time.time()
        sock.settimeout(1.0)
        while time.time() - started < 150:
            done_c = stream_c is not None and len(events[stream_c]) + read_first >= expected
            if done_c and len(events[stream_b]) >= expected:
                break
            try:
                data = sock.recv(65536)
            except socket.timeout:
                data = None
            if data == b"":
                break
            for event in conn.receive_data(data or b""):
                if isinstance(event, h2.events.ResponseReceived):
                    opened.add(event.stream_id)
                elif isinstance(event, h2.events.DataReceived):
                    sid = event.stream_id
                    if sid != stream_a or stalled_at is None:
                        conn.acknowledge_received_data(event.flow_controlled_length, sid)
                    buffers[sid] += event.data
                    complete, buffers[sid] = ids_and_data(buffers[sid])
                    if sid == stream_a and stalled_at is not None:
                        continue  # bytes past the stall point are not counted: the resume must bring them
                    events[sid] += complete
                    if sid == stream_a and len(events[sid]) >= read_first and stalled_at is None:
                        events[sid] = events[sid][:read_first]
                        stalled_at = time.time()
                        print("STALLED", flush=True)
                elif isinstance(event, h2.events.StreamReset) and event.stream_id == stream_a:
                    reset_a, reset_after = int(event.error_code), time.time() - (stalled_at or started)
                    last_id = events[stream_a][-1][0]
                    print("RESET", flush=True)
                    stream_c = request("GET", f"/events/{channel}", True, [("last-event-id", last_id)])
                    buffers[stream_c], events[stream_c] = b"", []
            if not announced and opened >= {stream_a, stream_b}:
                announced = True
                print("READY", flush=True)
            sock.sendall(conn.data_to_send())
        data_a = [d for _, d in events[stream_a]]
        data_c = [d for _, d in events.get(stream_c, [])] if stream_c else []
        report(reset_a=reset_a, reset_after=reset_after, a_then_c=data_a + data_c, b=[d for _, d in events[stream_b]])

    elif mode == "h2-zero":
        # Stream A is opened with a zero window and never gets credit; stream B gets plenty.
        conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
        stream_a = request("GET", f"/events/{channel}", True)
        stream_b = request("GET", f"/events/{channel}", True)
        conn.increment_flow_control_window(2**30, stream_id=stream_b)
        sock.sendall(conn.data_to_send())
        report(**reset_of(stream_a, stream_b))
