"""HTTP/2 client (hyper-h2) with two streams on one connection: stream A never returns flow-control credit
(a client that stopped reading), stream B reads normally. Prints READY once both streams are open, then
reads until B has received the expected number of events and A was reset, and prints a JSON summary.

usage: h2_stalled_stream.py HOST PORT PATH CAFILE EXPECTED_EVENTS_ON_B
"""
import json
import socket
import ssl
import sys

import h2.config
import h2.connection
import h2.events
from h2_reading import read_events

host, port, path, cafile, expected = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
context = ssl.create_default_context(cafile=cafile)
context.set_alpn_protocols(["h2"])
sock = context.wrap_socket(socket.create_connection((host, port)), server_hostname=host)
assert sock.selected_alpn_protocol() == "h2", sock.selected_alpn_protocol()

conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
conn.initiate_connection()
# Keep the connection window wide open, so only stream A's own window can stall.
conn.increment_flow_control_window(2**30)
request = [(":method", "GET"), (":path", path), (":scheme", "https"), (":authority", f"{host}:{port}")]
stream_a = conn.get_next_available_stream_id()
conn.send_headers(stream_a, request, end_stream=True)
stream_b = conn.get_next_available_stream_id()
conn.send_headers(stream_b, request, end_stream=True)
sock.sendall(conn.data_to_send())

bytes_a, reset_a, closed_b = 0, None, False
buffer_b, events_b = b"", 0


def on_event(event):
    global bytes_a, reset_a, closed_b, buffer_b, events_b
    if isinstance(event, h2.events.DataReceived):
        if event.stream_id == stream_b:
            conn.acknowledge_received_data(event.flow_controlled_length, stream_b)
            buffer_b += event.data
            *blocks, buffer_b = buffer_b.split(b"\n\n")
            events_b += sum(1 for block in blocks if b"data: " in block)
        else:
            bytes_a += len(event.data)  # never acknowledged: A's window runs dry
    elif isinstance(event, h2.events.StreamReset) and event.stream_id == stream_a:
        reset_a = int(event.error_code)
    elif isinstance(event, h2.events.StreamEnded) and event.stream_id == stream_b:
        closed_b = True


read_events(sock, conn, 60, [stream_a, stream_b], lambda: reset_a is not None and events_b >= expected, on_event)

print(json.dumps({"reset_a": reset_a, "bytes_a": bytes_a, "events_b": events_b, "closed_b": closed_b}), flush=True)
