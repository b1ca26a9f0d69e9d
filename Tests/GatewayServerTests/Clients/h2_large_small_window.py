"""HTTP/2 client (hyper-h2) that reads large events through small flow-control windows.

Opens STREAMS streams on one TLS connection with SETTINGS_INITIAL_WINDOW_SIZE = WINDOW and the connection
window left at its 65,535 default, returns credit only as it consumes data (h2 sends WINDOW_UPDATE once
half a window is used), and checks every event against the payload the test published: event i carries
`payload(i, SIZE)` below. h2 itself fails the connection if the server sends more than a window allows
or a frame larger than SETTINGS_MAX_FRAME_SIZE (an exception, so a non-zero exit); the largest DATA frame
seen is reported too. Prints READY once all streams are open, then a JSON
summary once every stream has EVENTS events (or at the deadline).

usage: h2_large_small_window.py HOST PORT PATH CAFILE STREAMS EVENTS SIZE WINDOW
"""
import json
import socket
import ssl
import sys

import h2.config
import h2.connection
import h2.events
import h2.settings
from h2_reading import read_events


def payload(index, size):
    """The data of event `index`: `<index>:` then pseudo-random letters, `size` bytes in all."""
    prefix = f"{index}:".encode()
    state = (index * 0x9E3779B97F4A7C15 | 1) & 0xFFFFFFFFFFFFFFFF
    letters = bytearray()
    for _ in range(size - len(prefix)):
        state ^= (state << 13) & 0xFFFFFFFFFFFFFFFF
        state ^= state >> 7
        state ^= (state << 17) & 0xFFFFFFFFFFFFFFFF
        letters.append(ord("a") + state % 26)
    return prefix + bytes(letters)


if __name__ == "__main__" and sys.argv[1] == "--payload":
    # The test writes the publish bodies with this same function.
    sys.stdout.buffer.write(payload(int(sys.argv[2]), int(sys.argv[3])))
    sys.exit(0)

host, port, path, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
streams, events, size, window = (int(value) for value in sys.argv[5:9])
context = ssl.create_default_context(cafile=cafile)
context.set_alpn_protocols(["h2"])
sock = context.wrap_socket(socket.create_connection((host, port)), server_hostname=host)
assert sock.selected_alpn_protocol() == "h2", sock.selected_alpn_protocol()

conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
conn.local_settings = h2.settings.Settings(client=True, initial_values={
    h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window,
    h2.settings.SettingCodes.ENABLE_PUSH: 0,
})
conn.initiate_connection()
request = [(":method", "GET"), (":path", path), (":scheme", "https"), (":authority", f"{host}:{port}")]
ids = []
for _ in range(streams):
    stream_id = conn.get_next_available_stream_id()
    conn.send_headers(stream_id, request, end_stream=True)
    ids.append(stream_id)
sock.sendall(conn.data_to_send())

expected = {}
buffers = {stream_id: b"" for stream_id in ids}
received = {stream_id: [] for stream_id in ids}
largest_frame, resets = 0, []


def on_event(event):
    global largest_frame
    if isinstance(event, h2.events.DataReceived):
        largest_frame = max(largest_frame, event.flow_controlled_length)
        buffers[event.stream_id] += event.data
        *blocks, buffers[event.stream_id] = buffers[event.stream_id].split(b"\n\n")
        for block in blocks:
            lines = [line[len(b"data: "):] for line in block.split(b"\n") if line.startswith(b"data: ")]
            if lines:
                received[event.stream_id].append(b"\n".join(lines))
        # Credit back only what was consumed; h2 decides when a WINDOW_UPDATE is due.
        conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
    elif isinstance(event, h2.events.StreamReset):
        resets.append(int(event.error_code))


read_events(sock, conn, 90, ids, lambda: all(len(received[i]) >= events for i in ids), on_event)

intact = corrupt = 0
for stream_id in ids:
    for index, data in enumerate(received[stream_id]):
        if index not in expected:
            expected[index] = payload(index, size)
        if data == expected[index]:
            intact += 1
        else:
            corrupt += 1
print(json.dumps({
    "events_per_stream": [len(received[i]) for i in ids], "intact": intact, "corrupt": corrupt,
    "largest_frame": largest_frame, "resets": resets,
}), flush=True)
