"""Many TLS clients that open one event stream each, then stop reading and vanish: HTTP/2 (hyper-h2) or
HTTP/1.1 (ALPN http/1.1, a plain GET).

Each connection has a tiny receive buffer and, on HTTP/2, gives the server all the flow-control credit it
can (stream and connection windows near 2^31), so whatever the server publishes afterwards piles up on the
server's side (nghttp2's queues, NIO's pending writes) instead of in this process. Prints `READY <n>` once every stream's
response head arrived, then waits for RESET_FILE to exist (the test has published meanwhile; a file, not a
signal: children of Swift concurrency threads inherit a mask that blocks signals) and resets every
connection (SO_LINGER 0 then close: a TCP RST, no close_notify, no GOAWAY), prints `RESET <n>` and exits.

usage: abandon_streams.py HOST PORT PATH CAFILE COUNT h2|http/1.1 RESET_FILE
"""
import os
import socket
import ssl
import struct
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.settings

host, port, path, cafile, count, alpn, reset_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6], sys.argv[7]
context = ssl.create_default_context(cafile=cafile)
context.set_alpn_protocols([alpn])
request = [(":method", "GET"), (":path", path), (":scheme", "https"), (":authority", f"{host}:{port}")]

def open_stream():
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Set before connecting so the advertised TCP window stays small: the server's bytes stay on its side.
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.settimeout(20)
    raw.connect((host, port))
    sock = context.wrap_socket(raw, server_hostname=host)
    assert sock.selected_alpn_protocol() == alpn, sock.selected_alpn_protocol()
    if alpn == "h2":
        return open_http2_stream(sock)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    received = b""
    while b"\r\n\r\n" not in received:
        data = sock.recv(1 << 16)
        if not data:
            raise RuntimeError("the server closed before answering")
        received += data
    assert received.startswith(b"HTTP/1.1 200"), received[:100]
    return sock


def open_http2_stream(sock):
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 2**31 - 1})
    conn.increment_flow_control_window(2**31 - 1 - 65535)
    stream = conn.get_next_available_stream_id()
    conn.send_headers(stream, request, end_stream=True)
    sock.sendall(conn.data_to_send())
    while True:
        data = sock.recv(1 << 16)
        if not data:
            raise RuntimeError("the server closed before answering")
        events = conn.receive_data(data)
        pending = conn.data_to_send()
        if pending:
            sock.sendall(pending)  # SETTINGS ACK
        if any(isinstance(event, h2.events.ResponseReceived) for event in events):
            return sock


sockets = []
started = time.time()
for index in range(count):
    try:
        sockets.append(open_stream())
    except Exception as error:  # reported, and the test sees fewer than COUNT
        print(f"connection {index} failed: {error!r}", file=sys.stderr, flush=True)
        break
print(f"READY {len(sockets)} in {time.time() - started:.1f}s", flush=True)

deadline = time.time() + 120
while not os.path.exists(reset_file) and time.time() < deadline:
    time.sleep(0.02)

for sock in sockets:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()  # no unwrap(): no close_notify, the kernel sends RST
print(f"RESET {len(sockets)}", flush=True)
