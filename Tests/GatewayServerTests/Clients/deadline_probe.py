"""Slow clients for the edge-deadline tests, each over TLS. Prints READY once the probe is in place, then
one JSON line with what happened and how long the gateway took (seconds since READY).

usage: deadline_probe.py MODE HOST PORT CAFILE [CHANNEL]
  h1-head     HTTP/1.1 request head that never completes
  h1-body     POST with Content-Length: 100, 3 body bytes, then nothing
  h1-discard  POST larger than publish.max_body, 80 KiB sent, then nothing (the gateway discards the rest)
  h2-body     HTTP/2: an event stream stays open while a POST on the same connection never ends its body
  h2-stall    HTTP/2: stream A reads N events then never returns window credit; stream B reads everything.
              After A is reset, a new stream resumes with A's Last-Event-ID and must miss nothing.
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


if mode == "h1-head":
    h1(b"GET /events/" + channel.encode() + b" HTTP/1.1\r\nHost: test\r\nAccept: text/event-")
elif mode == "h1-body":
    h1(b"POST /publish/" + channel.encode() + b" HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nabc")
elif mode == "h1-discard":
    h1(b"POST /publish/" + channel.encode() + b" HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: 10000000\r\n\r\n" + b"x" * 80 * 1024)
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

    if mode == "h2-body":
        sibling = request("GET", f"/events/{channel}", True)
        post = request("POST", f"/publish/{channel}", False, [("content-type", "text/plain")])
        conn.send_data(post, b"abc")  # and never END_STREAM
        sock.sendall(conn.data_to_send())
        started = time.time()
        print("READY", flush=True)
        sock.settimeout(1.0)
        reset, sibling_ended = None, False
        while reset is None and time.time() - started < 120:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                break
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.StreamReset) and event.stream_id == post:
                    reset = int(event.error_code)
                elif isinstance(event, (h2.events.StreamReset, h2.events.StreamEnded)) and event.stream_id == sibling:
                    sibling_ended = True
                elif isinstance(event, h2.events.DataReceived):
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            sock.sendall(conn.data_to_send())
        report(reset=reset, reset_after=time.time() - started, sibling_ended=sibling_ended)

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
        started = time.time()
        print("READY", flush=True)
        sock.settimeout(1.0)
        reset_a, reset_after, b_ended = None, None, False
        while reset_a is None and time.time() - started < 120:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                break
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.StreamReset) and event.stream_id == stream_a:
                    reset_a, reset_after = int(event.error_code), time.time() - started
                elif isinstance(event, (h2.events.StreamReset, h2.events.StreamEnded)) and event.stream_id == stream_b:
                    b_ended = True
                elif isinstance(event, h2.events.DataReceived) and event.stream_id == stream_b:
                    conn.acknowledge_received_data(event.flow_controlled_length, stream_b)
            sock.sendall(conn.data_to_send())
        report(reset=reset_a, reset_after=reset_after, sibling_ended=b_ended)
