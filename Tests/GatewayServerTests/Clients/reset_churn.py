"""Witness streams that must receive every event while other connections of the same channel keep resetting.

Plain HTTP/1.1 on the gateway's plain listener (no TLS: this process must keep up with the server). Three kinds
of threads:
- WITNESSES streams open before the first publish and stay open: each must end with exactly 1..N, in order;
- CHURNERS threads, each opening a stream again and again: it reads for a random 0-40 ms (counting what it
  got, which must be contiguous: a stream may start and stop anywhere, never skip), then resets the
  connection (SO_LINGER 0, then close: a TCP RST), often while the server is writing to it;
- one publisher sending 1..N as fast as the gateway answers, on one keep-alive connection.

A reset that reaches the server while its loop walks the channel's subscribers makes a write in that walk
fail, and the failed write closes the connection there and then: the subscribers around it must not lose an
event for it.

Prints one JSON summary line; exit status 0 iff every witness got 1..N and no stream skipped an event.

usage: reset_churn.py HOST PORT CHANNEL WITNESSES CHURNERS N SEED DEADLINE_SECONDS
"""
import http.client
import json
import random
import socket
import struct
import sys
import threading
import time

host, port, channel = sys.argv[1], int(sys.argv[2]), sys.argv[3]
witnesses, churners, total, seed = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
DEADLINE = time.time() + float(sys.argv[8])
REQUEST = f"GET /events/{channel} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode()


class Stream:
    """One HTTP/1.1 event stream: the response head, then a chunked body of `data: <n>` events."""

    def __init__(self):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.sendall(REQUEST)
        self.buffer = b""
        self.body = b""
        self.numbers = []
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
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 16)
        except socket.timeout:
            return True
        if not data:
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
            self.body += self.buffer[line_end + 2:line_end + 2 + size]
            self.buffer = self.buffer[line_end + 4 + size:]
            self.parse_events()

    def parse_events(self):
        while b"\n\n" in self.body:
            event, _, self.body = self.body.partition(b"\n\n")
            for line in event.split(b"\n"):
                if line.startswith(b"data: "):
                    self.numbers.append(int(line[6:]))

    def reset(self):
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


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
        stream = Stream()
    except Exception as error:
        problem(f"witness {number}: {error!r}")
        ready.set()
        return
    ready.set()
    while time.time() < DEADLINE and (not stream.numbers or stream.numbers[-1] < total):
        if not stream.pump(0.2):
            problem(f"witness {number}: closed by the server after {len(stream.numbers)} events")
            break
    results[number] = stream.numbers
    stream.sock.close()


def churner(number, rng):
    while not publishing_done.is_set() and time.time() < DEADLINE:
        try:
            stream = Stream()
        except Exception as error:
            problem(f"churner {number}: {error!r}")
            time.sleep(0.05)
            continue
        until = time.time() + rng.uniform(0, 0.04)
        open_ = True
        while open_ and time.time() < until:
            open_ = stream.pump(max(0.001, until - time.time()))
        if not contiguous(stream.numbers):
            problem(f"churner {number}: skipped within its stream: {stream.numbers}")
        with lock:
            churn_streams[0] += 1
            churn_events[0] += len(stream.numbers)
        stream.reset()


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
        got = results.get(number, [])
        if got != list(range(1, total + 1)):
            missing = sorted(set(range(1, total + 1)) - set(got))
            wrong[number] = {"count": len(got), "missing": missing[:10], "out_of_order": not contiguous(got)}
    ok = not wrong and not problems
    print(json.dumps({"ok": ok, "seed": seed, "published": total, "witnesses_wrong": wrong, "problems": problems[:10],
                      "churn_streams": churn_streams[0], "churn_events": churn_events[0]}), flush=True)
    sys.exit(0 if ok else 1)


main()
