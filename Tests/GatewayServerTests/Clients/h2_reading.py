"""The read loop the hyper-h2 test clients share.

read_events(sock, conn, seconds, streams, finished, on_event): feeds what arrives on the TLS socket to the
h2 connection, hands every h2 event to on_event, sends what h2 has to send after each read, and prints
READY once every stream in `streams` has its response head (the test publishes only then). Returns when
finished() is true, after `seconds`, or when the server closes the connection.
"""
import socket
import time

import h2.events


def read_events(sock, conn, seconds, streams, finished, on_event):
    opened, announced = set(), False
    deadline = time.time() + seconds
    sock.settimeout(1.0)
    while time.time() < deadline and not finished():
        try:
            data = sock.recv(1 << 16)
        except socket.timeout:
            continue
        if not data:
            break
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                opened.add(event.stream_id)
            on_event(event)
        if not announced and opened >= set(streams):
            announced = True
            print("READY", flush=True)
        sock.sendall(conn.data_to_send())
