"""EventSource-like HTTP/2 clients (hyper-h2 over TLS, ALPN h2) that disconnect at random points and resume
with Last-Event-ID, against a publisher of a numbered sequence on the trusted plaintext listener.

Parsing follows WHATWG HTML §9.2.6 (interpreting an event stream): lines end in CRLF, LF or CR; `id:` sets
the last event ID buffer (unless it contains NUL); a blank line dispatches, which first copies the buffer to
the source's lastEventId; at a disconnect the incomplete event is discarded (§9.2.6 "Once the end of the
file is reached, any pending data must be discarded").

Modes:
  reconnect  K clients open their first stream; once all are open the publisher sends 1..N (interleaved over
             the channels); every client cuts its connection R times at random points (after a random number
             of body bytes, possibly mid-line, or after a random delay) and resumes with Last-Event-ID.
             Each must end with exactly 1..N per channel, in order.
  race       the publisher sends 1..N continuously while K clients each connect at a random moment with
             Last-Event-ID = the id of a random event already published; each must get exactly the events
             after it, contiguously, up to N (the replay/live hand-over).

Prints one JSON summary line (with the seed) on stdout; exit status 0 iff every client is correct.

usage: resume_client.py MODE HOST TLS_PORT PLAIN_PORT CAFILE PATH CHANNELS(comma) K N R SEED
  PATH is the stream path (channels in its query, or /events/<c> for one channel); publishes go to
  /publish/<channel>.
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

mode, host, tls_port, plain_port, cafile, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
channels = sys.argv[7].split(",")
clients, total, reconnects, seed = int(sys.argv[8]), int(sys.argv[9]), int(sys.argv[10]), int(sys.argv[11])
DEADLINE = time.time() + 24


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
            elif ended == "error":
                time.sleep(0.05)

    def connect(self, cut):
        """One connection. Returns 'cut' (we closed it), 'closed' (the server ended it), 'done' or 'error'."""
        self.connections += 1
        try:
            context = ssl.create_default_context(cafile=cafile)
            context.set_alpn_protocols(["h2"])
            sock = context.wrap_socket(socket.create_connection((host, tls_port), timeout=5), server_hostname="127.0.0.1")
        except OSError as error:
            self.problems.append(f"connect: {error}")
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
                    self.problems.append(f"recv: {error}")
                    return "error"
                if not data:
                    return "closed"
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.ResponseReceived):
                        status = dict(event.headers).get(":status")
                        content_type = dict(event.headers).get("content-type", "")
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
                        self.problems.append(f"stream reset {event.error_code}")
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

    def summary(self):
        result = {"client": self.number, "connections": self.connections, "cuts": len(self.cuts), "mid_event_cuts": self.mid_event, "mid_line_cuts": self.mid_line, "gaps": self.gaps, "problems": self.problems[:5]}
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
    def __init__(self):
        self.connection = http.client.HTTPConnection(host, plain_port, timeout=5)
        self.ids = {channel: {} for channel in channels}  # channel -> number -> id
        self.problems = []

    def publish(self, channel, number):
        # A dropped keep-alive connection on a loaded machine is retried on a new one; the gateway's
        # Idempotency-Key makes the retry deliver once even if the first attempt got through.
        headers = {"content-type": "text/plain", "idempotency-key": f"{channel}:{number}"}
        for attempt in range(3):
            try:
                self.connection.request("POST", f"/publish/{channel}", body=f"{channel}:{number}", headers=headers)
                response = self.connection.getresponse()
                body = response.read()
                break
            except (OSError, http.client.HTTPException) as error:
                self.connection.close()
                self.connection = http.client.HTTPConnection(host, plain_port, timeout=5)
                if attempt == 2:
                    self.problems.append(f"publish {channel}:{number} failed: {error!r}")
                    return
        if response.status != 200:
            self.problems.append(f"publish {channel}:{number} -> {response.status} {body[:200]!r}")
            return
        self.ids[channel][number] = json.loads(body)["ids"][0]


def main():
    rng = random.Random(seed)
    publisher = Publisher()
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
    print(json.dumps({"mode": mode, "seed": seed, "ok": ok, "published": total, "channels": channels, "publish_problems": publisher.problems[:5], "clients": results}), flush=True)
    sys.exit(0 if ok else 1)


try:
    main()
except Exception as error:  # a crash still ends with a summary line the test can report
    print(json.dumps({"mode": mode, "seed": seed, "ok": False, "crash": repr(error)}), flush=True)
    sys.exit(1)
