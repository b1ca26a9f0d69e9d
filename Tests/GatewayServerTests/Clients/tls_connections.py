#!/usr/bin/env python3
"""Opens TLS connections to the gateway one after another and holds the ones that open: the client of the
connection-limit tests.

usage: tls_connections.py HOST PORT CA COUNT HOLD_SECONDS [PROBE_MS]

Before each handshake the client waits PROBE_MS (default 0) without sending a byte: a connection the
gateway refuses at accept is closed in that time (EOF or reset), which proves it was refused before anything
was read. Prints 'open N' or 'refused N <why>' per connection, then 'ready <seconds taken>', then holds
every open connection for HOLD_SECONDS (the test ends it sooner).
"""
import select
import socket
import ssl
import sys
import time


def connect(host, port, context, probe_seconds):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    raw = socket.socket(family, socket.SOCK_STREAM)
    raw.settimeout(10)
    raw.connect((host, port))
    if probe_seconds > 0:
        readable, _, _ = select.select([raw], [], [], probe_seconds)
        if readable:
            try:
                data = raw.recv(1)
            except ConnectionResetError:
                data = b""
            raw.close()
            if data == b"":
                return None, "closed before the client sent anything"
            return None, "unexpected bytes before the handshake"
    try:
        tls = context.wrap_socket(raw, server_hostname="localhost")
        return tls, None
    except (ssl.SSLError, OSError) as error:
        raw.close()
        return None, type(error).__name__


def main():
    host, port, ca, count, hold = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    probe_seconds = (int(sys.argv[6]) if len(sys.argv) > 6 else 0) / 1000
    context = ssl.create_default_context(cafile=ca)
    context.set_alpn_protocols(["h2", "http/1.1"])
    held = []
    started = time.monotonic()
    for index in range(count):
        connection, why = connect(host, port, context, probe_seconds)
        if connection is None:
            print(f"refused {index} {why}", flush=True)
        else:
            held.append(connection)
            print(f"open {index}", flush=True)
    print(f"ready {time.monotonic() - started:.2f}", flush=True)
    time.sleep(hold)
    for connection in held:
        connection.close()


if __name__ == "__main__":
    main()
