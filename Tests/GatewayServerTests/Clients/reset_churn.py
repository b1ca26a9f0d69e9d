"""Witness streams that must receive every event while other connections of the same channel keep resetting.

On the gateway's plain listener (no TLS: this process must keep up with the server), over HTTP/1.1 (one stream
per connection) or h2c (STREAMS streams per connection, prior knowledge). Three kinds of threads:
- WITNESSES connections open before the first publish and stay open: each stream must end with exactly 1..N,
  in order;
- CHURNERS threads, each opening a connection again and again: it reads for a random 0-40 ms (counting what
  each stream got, which must be contiguous: a stream may start and stop anywhere, never skip), then resets
  the connection (SO_LINGER 0, then close: a TCP RST), often while the server is writing to it;
- one publisher sending 1..N as fast as the gateway answers, on one keep-alive connection.

A reset that reaches the server while its loop walks the channel's subscribers makes a write in that walk
fail, and the failed write closes the connection there and then, ending all its streams: the subscribers
around them must not lose an event for it.

Prints one JSON summary line; exit status 0 iff every witness stream got 1..N and no stream skipped an event.

usage: reset_churn.py HOST PORT CHANNEL WITNESSES CHURNERS N SEED DEADLINE_SECONDS [http1|h2c [STREAMS]]
"""
import http.client
import json
import random
import socket
import struct
import sys
import threading
import time

import h2.config
import h2.connection
import h2.events

host, port, channel = sys.argv[1], int(sys.argv[2]), sys.argv[3]
witnesses, churners, total, seed = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
DEADLINE = time.time() + float(sys.argv[8])
protocol = sys.argv[9] if len(sys.argv) > 9 else "http1"
streams_per_connection = int(sys.argv[10]) if len(sys.argv) > 10 else 1
PATH = f"/events/{channel}"
REQUEST = f"GET {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode()


class EventBody:
    """One stream's body: `data: <n>` events, whose numbers it collects."""

    def __init__(self):
        self.body = b""
        self.numbers = []

    def feed(self, data):
        self.body += data
        while b"\n\n" in self.body:
            event, _, self.body = self.body.partition(b"\n\n")
            for line in event.split(b"\n"):
                if line.startswith(b"data: "):
                    self.numbers.append(int(line[6:]))


class Connection:
    """What both transports share: a read with a timeout, and the reset."""

    def read(self, timeout):
        """The bytes that arrived within `timeout` (b"" if none), or None once the server closed."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 16)
        except socket.timeout:
            return b""
        return data or None

    def reset(self):
        """SO_LINGER 0, then close: a TCP RST."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


class Stream(Connection):
    """One HTTP/1.1 connection with its event stream: the response head, then a chunked body."""

    def __init__(self):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.sendall(REQUEST)
        self.buffer = b""
        self.stream = EventBody()
        self.streams = [self.stream]
        head = self.read_until(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"response {head[:80]!r}")

    def read_until(self, marker):
        while marker not in self.buffer:
            data = self.sock.recv(1 << 16)
            if not data:
                raise EOFError("closed by the server")
            self.buffer += data
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def pump(self, timeout):
        """Reads what arrives within `timeout`; returns False once the server closed the stream."""
        data = self.read(timeout)
        if data is None:
            return False
        self.buffer += data
        self.decode_chunks()
        return True

    def decode_chunks(self):
        while True:
            line_end = self.buffer.find(b"\r\n")
            if line_end < 0:
                return
            size = int(self.buffer[:line_end].split(b";")[0], 16)
            if len(self.buffer) < line_end + 2 + size + 2:
                return
            self.stream.feed(self.buffer[line_end + 2:line_end + 2 + size])
            self.buffer = self.buffer[line_end + 4 + size:]


class H2Streams(Connection):
    """One h2c connection (prior knowledge) with `streams_per_connection` event streams."""

    def __init__(self):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        self.bodies = {}
        headers = [(":method", "GET"), (":path", PATH), (":scheme", "http"), (":authority", f"{host}:{port}"), ("accept", "text/event-stream")]
        for _ in range(streams_per_connection):
            stream_id = self.conn.get_next_available_stream_id()
            self.conn.send_headers(stream_id, headers, end_stream=True)
            self.bodies[stream_id] = EventBody()
        self.streams = list(self.bodies.values())
        self.answered = set()
        self.sock.sendall(self.conn.data_to_send())
        while len(self.answered) < len(self.bodies):
            if not self.pump(1) or time.time() > DEADLINE:
                raise EOFError(f"{len(self.answered)} of {len(self.bodies)} streams answered")

    def pump(self, timeout):
        """Reads what arrives within `timeout`; returns False once the server closed the connection or a stream."""
        data = self.read(timeout)
        if data is None:
            return False
        open_ = True
        for event in self.conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                status = dict(event.headers).get(":status")
                if status != "200":
                    raise RuntimeError(f"stream {event.stream_id}: status {status}")
                self.answered.add(event.stream_id)
            elif isinstance(event, h2.events.DataReceived):
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                self.bodies[event.stream_id].feed(event.data)
            elif isinstance(event, (h2.events.StreamEnded, h2.events.StreamReset, h2.events.ConnectionTerminated)):
                open_ = False
        outgoing = self.conn.data_to_send()
        if outgoing:
            self.sock.sendall(outgoing)
        return open_


def connect():
    return H2Streams() if protocol == "h2c" else Stream()


def contiguous(numbers):
    return all(b == a + 1 for a, b in zip(numbers, numbers[1:]))


problems, lock = [], threading.Lock()
publishing_done = threading.Event()
churn_streams = [0]
churn_events = [0]


def problem(text):
    with lock:
        problems.append(text)


def witness(number, ready, results):
    try:
        connection = connect()
    except Exception as error:
        problem(f"witness {number}: {error!r}")
        ready.set()
        return
    ready.set()

    def done():
        return all(stream.numbers and stream.numbers[-1] >= total for stream in connection.streams)

    while time.time() < DEADLINE and not done():
        if not connection.pump(0.2):
            problem(f"witness {number}: closed by the server after {[len(s.numbers) for s in connection.streams]} events")
            break
    for index, stream in enumerate(connection.streams):
        results[(number, index)] = stream.numbers
    connection.sock.close()


def churner(number, rng):
    while not publishing_done.is_set() and time.time() < DEADLINE:
        try:
            connection = connect()
        except Exception as error:
            problem(f"churner {number}: {error!r}")
            time.sleep(0.05)
            continue
        until = time.time() + rng.uniform(0, 0.04)
        open_ = True
        try:
            while open_ and time.time() < until:
                open_ = connection.pump(max(0.001, until - time.time()))
        except Exception as error:
            problem(f"churner {number}: {error!r}")
        if not open_:
            problem(f"churner {number}: the server ended a stream")
        for stream in connection.streams:
            if not contiguous(stream.numbers):
                problem(f"churner {number}: skipped within its stream: {stream.numbers}")
        with lock:
            churn_streams[0] += len(connection.streams)
            churn_events[0] += sum(len(stream.numbers) for stream in connection.streams)
        connection.reset()


def main():
    rng = random.Random(seed)
    results = {}
    readies = []
    threads = []
    for number in range(witnesses):
        ready = threading.Event()
        readies.append(ready)
        thread = threading.Thread(target=witness, args=(number, ready, results), daemon=True)
        thread.start()
        threads.append(thread)
    for ready in readies:
        ready.wait(timeout=10)
    churn_threads = [threading.Thread(target=churner, args=(n, random.Random(rng.random())), daemon=True) for n in range(churners)]
    for thread in churn_threads:
        thread.start()
    time.sleep(0.5)  # the churn is under way before the first publish
    publisher = http.client.HTTPConnection(host, port, timeout=10)
    for number in range(1, total + 1):
        publisher.request("POST", f"/publish/{channel}", body=str(number), headers={"content-type": "text/plain"})
        response = publisher.getresponse()
        response.read()
        if response.status != 200:
            problem(f"publish {number}: {response.status}")
            break
    publishing_done.set()
    for thread in threads + churn_threads:
        thread.join(timeout=max(0.1, DEADLINE - time.time()))
    wrong = {}
    for number in range(witnesses):
        for index in range(streams_per_connection if protocol == "h2c" else 1):
            got = results.get((number, index), [])
            if got != list(range(1, total + 1)):
                missing = sorted(set(range(1, total + 1)) - set(got))
                wrong[f"{number}.{index}"] = {"count": len(got), "missing": missing[:10], "out_of_order": not contiguous(got)}
    ok = not wrong and not problems
    print(json.dumps({"ok": ok, "seed": seed, "protocol": protocol, "published": total, "witnesses_wrong": wrong, "problems": problems[:10],
                      "churn_streams": churn_streams[0], "churn_events": churn_events[0]}), flush=True)
    sys.exit(0 if ok else 1)


main()
