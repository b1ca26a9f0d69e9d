"""The multi-node version of GatewayServerTests' resume_client.py: EventSource-like HTTP/2 clients that
drop at random points and resume with Last-Event-ID, each connection on a node picked at random, while a
publisher spreads its publishes over the nodes. Several gateway nodes share one Redis: a cursor from any
node must resume exactly on any other.

Parsing follows WHATWG HTML §9.2.6 (see resume_client.py). Differences from resume_client.py:
- TLS_PORTS and PLAIN_PORTS are comma lists, one per node; a client picks a node at random for every
  connection, and after a connection error it picks again (a killed node is just another drop);
- a publish goes to a random node; a 503 (Redis down) or a refused connection is retried on another node
  until the deadline, with the same Idempotency-Key, which Redis holds, so a retry delivers once;
- a `stream-gap` of any kind fails the client (nothing may be lost), as does any event out of order.

Modes:
  reconnect  K clients open their first stream; once all are open the publisher sends 1..N (interleaved over
             the channels); every client cuts its connection R times at random points and resumes, on a
             random node. Each must end with exactly 1..N per channel, in order.
  race       the publisher sends 1..N while K clients each connect at a random moment, on a random node,
             with Last-Event-ID = the id of a random event already published (possibly through another
             node); each must get exactly the events after it, contiguously, up to N.

Prints one JSON summary line (with the seed) on stdout; exit status 0 iff every client is correct. A file
named by MARK_FILE (optional last argument) gets a line `published <n>` every 20 publishes, so the test
can act (kill a node, restart Redis) mid-stream.

usage: scaleout_client.py MODE HOST TLS_PORTS PLAIN_PORTS CAFILE PATH CHANNELS K N R SEED DURATION [MARK_FILE]
"""
import http.client
import json
import random
import socket
import ssl
import sys
import threading
import time

import h2.config
import h2.connection
import h2.events

mode, host, cafile, path = sys.argv[1], sys.argv[2], sys.argv[5], sys.argv[6]
tls_ports = [int(port) for port in sys.argv[3].split(",")]
plain_ports = [int(port) for port in sys.argv[4].split(",")]
channels = sys.argv[7].split(",")
clients, total, reconnects, seed = int(sys.argv[8]), int(sys.argv[9]), int(sys.argv[10]), int(sys.argv[11])
DEADLINE = time.time() + float(sys.argv[12])
mark_file = sys.argv[13] if len(sys.argv) > 13 else None


class EventSourceParser:
    """WHATWG event stream interpretation for one connection; `last_event_id` belongs to the source."""

    def __init__(self, last_event_id):
        self.pending = b""
        self.data, self.type, self.id_buffer = [], "", last_event_id
        self.last_event_id = last_event_id
        self.saw_cr = False

    def feed(self, chunk):
        """Returns the events dispatched by these bytes, as (type, data, lastEventId)."""
        out = []
        self.pending += chunk
        while True:
            cut = -1
            for index, byte in enumerate(self.pending):
                if byte in (0x0A, 0x0D):
                    cut = index
                    break
            if cut < 0:
                return out
            line, terminator = self.pending[:cut], self.pending[cut]
            rest = self.pending[cut + 1:]
            if terminator == 0x0D and rest[:1] == b"\n":
                rest = rest[1:]
            elif terminator == 0x0D and not rest:
                # CR at the end of what arrived: it may be the first half of CRLF; keep it pending.
                return out
            self.pending = rest
            self.line(line.decode("utf-8", "replace"), out)

    def line(self, line, out):
        if line == "":
            # Dispatch (§9.2.6): lastEventId first, then nothing more if the data buffer is empty.
            self.last_event_id = self.id_buffer
            if self.data:
                out.append((self.type or "message", "\n".join(self.data), self.last_event_id))
            self.data, self.type = [], ""
            return
        if line.startswith(":"):
            return
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            self.data.append(value)
        elif field == "event":
            self.type = value
        elif field == "id" and "\0" not in value:
            self.id_buffer = value


class Client:
    def __init__(self, number, rng, start_id=None, expect_from=None):
        self.number, self.rng = number, rng
        self.last_event_id = start_id
        self.received = {channel: [] for channel in channels}
        self.gaps, self.problems, self.connections, self.cuts = [], [], 0, []
        self.mid_line = self.mid_event = 0
        self.nodes_used, self.connect_errors = set(), 0
        self.events_seen = 0
        self.opened = threading.Event()
        self.expect_from = expect_from or {channel: 1 for channel in channels}

    def complete(self):
        return all(self.received[c] and self.received[c][-1] >= total for c in channels)

    def run(self, cuts_left):
        while not self.complete() and time.time() < DEADLINE:
            cut = None
            if cuts_left > 0:
                kind = self.rng.choice(["bytes", "bytes", "delay"])
                cut = (kind, self.rng.randint(1, 700) if kind == "bytes" else self.rng.uniform(0.0, 0.25))
            ended = self.connect(cut)
            if ended == "cut":
                cuts_left -= 1
                # Like a browser's reconnection delay: events keep being published meanwhile.
                time.sleep(self.rng.uniform(0, 0.1))
            elif ended in ("error", "closed"):
                time.sleep(0.05)

    def connect(self, cut):
        """One connection. Returns 'cut' (we closed it), 'closed' (the server ended it), 'done' or 'error'."""
        self.connections += 1
        tls_port = self.rng.choice(tls_ports)
        self.nodes_used.add(tls_port)
        try:
            context = ssl.create_default_context(cafile=cafile)
            context.set_alpn_protocols(["h2"])
            sock = context.wrap_socket(socket.create_connection((host, tls_port), timeout=5), server_hostname="127.0.0.1")
        except OSError as error:
            self.connect_errors += 1  # a killed node refuses: the next connection picks a node again
            return "error"
        try:
            if sock.selected_alpn_protocol() != "h2":
                self.problems.append(f"ALPN {sock.selected_alpn_protocol()}")
                return "error"
            conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
            conn.initiate_connection()
            headers = [(":method", "GET"), (":path", path), (":scheme", "https"), (":authority", f"{host}:{tls_port}"), ("accept", "text/event-stream")]
            if self.last_event_id:
                headers.append(("last-event-id", self.last_event_id))
            stream = conn.get_next_available_stream_id()
            conn.send_headers(stream, headers, end_stream=True)
            sock.sendall(conn.data_to_send())
            parser = EventSourceParser(self.last_event_id)
            body_bytes = 0
            started = time.time()
            sock.settimeout(0.05)
            while time.time() < DEADLINE:
                if cut and cut[0] == "delay" and self.last_event_id and time.time() - started >= cut[1]:
                    self.cuts.append(("delay", round(cut[1], 3)))
                    self.note_cut(parser)
                    return "cut"
                try:
                    data = sock.recv(1 << 16)
                except socket.timeout:
                    continue
                except (ssl.SSLError, OSError) as error:
                    return "error"  # the node went away mid-stream: resume elsewhere
                if not data:
                    return "closed"
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.ResponseReceived):
                        status = dict(event.headers).get(":status")
                        content_type = dict(event.headers).get("content-type", "")
                        if status == "503":
                            return "error"  # the node is draining or Redis is down: try again
                        if status != "200" or not content_type.startswith("text/event-stream"):
                            self.problems.append(f"response {status} {content_type}")
                            return "error"
                    elif isinstance(event, h2.events.DataReceived):
                        conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                        chunk = event.data
                        if cut and cut[0] == "bytes" and self.last_event_id and body_bytes + len(chunk) >= cut[1]:
                            keep = max(0, cut[1] - body_bytes)
                            self.dispatch(parser.feed(chunk[:keep]))
                            self.last_event_id = parser.last_event_id
                            self.cuts.append(("bytes", body_bytes + keep))
                            self.note_cut(parser)
                            return "cut"  # the rest of the chunk, and any partial event, is lost with the socket
                        body_bytes += len(chunk)
                        self.dispatch(parser.feed(chunk))
                        self.last_event_id = parser.last_event_id
                        self.opened.set()
                        if self.complete():
                            return "done"
                    elif isinstance(event, h2.events.StreamEnded):
                        return "closed"
                    elif isinstance(event, h2.events.StreamReset):
                        return "closed"
                    elif isinstance(event, h2.events.ConnectionTerminated):
                        return "closed"
                outgoing = conn.data_to_send()
                if outgoing:
                    sock.sendall(outgoing)
            return "error"
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def note_cut(self, parser):
        """Counts cuts that fell inside a line, or inside an event (fields seen, no blank line yet)."""
        if parser.pending:
            self.mid_line += 1
        if parser.pending or parser.data or parser.type or parser.id_buffer != parser.last_event_id:
            self.mid_event += 1

    def dispatch(self, events):
        for kind, data, _ in events:
            if kind == "stream-gap":
                self.gaps.append(data)
                continue
            if kind != "message":
                continue
            channel, _, number = data.partition(":")
            if channel not in self.received:
                self.problems.append(f"event for unknown channel: {data!r}")
                continue
            self.received[channel].append(int(number))
            self.events_seen += 1

    def summary(self):
        result = {"client": self.number, "connections": self.connections, "nodes": len(self.nodes_used), "connect_errors": self.connect_errors, "cuts": len(self.cuts), "mid_event_cuts": self.mid_event, "mid_line_cuts": self.mid_line, "gaps": self.gaps, "problems": self.problems[:5]}
        ok = not self.gaps
        for channel in channels:
            got = self.received[channel]
            expected = list(range(self.expect_from[channel], total + 1))
            if got != expected:
                ok = False
                dups = sorted({n for n in got if got.count(n) > 1})[:10]
                missing = sorted(set(expected) - set(got))[:10]
                result.setdefault("wrong", {})[channel] = {"count": len(got), "expected": len(expected), "first": got[:3], "last": got[-3:], "duplicates": dups, "missing": missing}
        result["ok"] = ok
        return result


class Publisher:
    """Publishes each number once, on a random node; retries (same Idempotency-Key) on another node after a
    refused connection or a 503 until the deadline."""

    def __init__(self, rng):
        self.rng = rng
        self.connections = {}
        self.ids = {channel: {} for channel in channels}  # channel -> number -> id
        self.problems = []
        self.retries = 0
        self.count = 0

    def connection(self, port):
        if port not in self.connections:
            self.connections[port] = http.client.HTTPConnection(host, port, timeout=5)
        return self.connections[port]

    def publish(self, channel, number):
        headers = {"content-type": "text/plain", "idempotency-key": f"{channel}:{number}"}
        last = None
        while time.time() < DEADLINE:
            port = self.rng.choice(plain_ports)
            try:
                connection = self.connection(port)
                connection.request("POST", f"/publish/{channel}", body=f"{channel}:{number}", headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                self.connections.pop(port, None)
                last = repr(error)
                self.retries += 1
                time.sleep(0.05)
                continue
            if response.status == 503:
                last = f"503 {body[:120]!r}"
                self.retries += 1
                time.sleep(0.1)
                continue
            if response.status != 200:
                self.problems.append(f"publish {channel}:{number} -> {response.status} {body[:200]!r}")
                return
            self.ids[channel][number] = json.loads(body)["ids"][0]
            self.count += 1
            if mark_file and self.count % 20 == 0:
                with open(mark_file, "a") as mark:
                    mark.write(f"published {self.count}\n")
            return
        self.problems.append(f"publish {channel}:{number} never succeeded: {last}")


def main():
    rng = random.Random(seed)
    publisher = Publisher(random.Random(rng.random()))
    results = []
    if mode == "reconnect":
        group = [Client(i, random.Random(rng.random())) for i in range(clients)]
        threads = [threading.Thread(target=c.run, args=(reconnects,), daemon=True) for c in group]
        for thread in threads:
            thread.start()
        # Every first stream open (its opening bytes arrived) before the first publish: live-only starts.
        for client in group:
            client.opened.wait(timeout=10)
        time.sleep(0.2)
        for number in range(1, total + 1):
            for channel in channels:
                publisher.publish(channel, number)
            time.sleep(rng.uniform(0, 0.01))
        for thread in threads:
            thread.join(timeout=max(0.1, DEADLINE - time.time()))
        results = [c.summary() for c in group]
    else:  # race
        threads, group = [], []
        starts = sorted(rng.randint(1, total - 1) for _ in range(clients))
        for number in range(1, total + 1):
            for channel in channels:
                publisher.publish(channel, number)
            while starts and starts[0] <= number:
                resume_after = rng.randint(max(1, number - 40), number)
                ids = [publisher.ids[c].get(resume_after, "missing") for c in channels]
                start_id = ".".join(ids) if len(channels) > 1 else ids[0]
                client = Client(len(group), random.Random(rng.random()), start_id=start_id, expect_from={c: resume_after + 1 for c in channels})
                group.append(client)
                thread = threading.Thread(target=client.run, args=(0,), daemon=True)
                thread.start()
                threads.append(thread)
                starts.pop(0)
            time.sleep(rng.uniform(0, 0.004))
        for thread in threads:
            thread.join(timeout=max(0.1, DEADLINE - time.time()))
        results = [c.summary() for c in group]
    ok = all(r["ok"] for r in results) and not publisher.problems and len(results) == clients
    print(json.dumps({"mode": mode, "seed": seed, "ok": ok, "published": total, "channels": channels, "publish_problems": publisher.problems[:5], "publish_retries": publisher.retries, "clients": results}), flush=True)
    sys.exit(0 if ok else 1)


try:
    main()
except Exception as error:  # a crash still ends with a summary line the test can report
    print(json.dumps({"mode": mode, "seed": seed, "ok": False, "crash": repr(error)}), flush=True)
    sys.exit(1)
