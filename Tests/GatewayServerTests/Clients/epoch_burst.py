"""Creates many channels fast, to push a gateway's channel epochs ahead of the wall clock (each new channel
gets max(wall ms, last epoch + 1)). Channels are created by subscribing (plaintext HTTP/1.1) to
`/many?c=…&c=…` (a route with max_channels 1000 and channel template "{c}"), reading until the stream
opens, then closing.

usage: epoch_burst.py PLAIN_PORT PREFIX burst COUNT
         creates COUNT channels; prints the epoch (base 36) of one more channel created afterwards
       epoch_burst.py PLAIN_PORT PREFIX reach EPOCH36
         creates channels until the next channel created would get epoch EPOCH36 (possible only while the
         epochs are ahead of the wall clock); prints "reached" or "missed <last epoch>"
"""
import http.client
import json
import socket
import sys

port, prefix, mode, argument = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
made = 0


def create(count):
    """Creates `count` new channels (at most 1000) with one stream request."""
    global made
    names = [f"{prefix}{made + i}" for i in range(count)]
    made += count
    query = "&".join(f"c={name}" for name in names)
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"GET /many?{query} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
    received = b""
    while b":ok" not in received:
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit(f"stream did not open: {received[:300]!r}")
        received += chunk
    sock.close()


def probe():
    """Publishes to a fresh channel (itself a new channel) and returns its epoch."""
    global made
    name = f"{prefix}probe{made}"
    made += 1
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", f"/publish/{name}", body="probe")
    answer = json.loads(connection.getresponse().read())
    return int(answer["ids"][0].split("-")[0], 36)


if mode == "burst":
    remaining = int(argument)
    while remaining > 0:
        create(min(1000, remaining))
        remaining -= min(1000, remaining)
    print(probe(), flush=True)
else:
    target = int(argument, 36)
    last = probe()
    for _ in range(50):
        needed = target - 1 - last  # channels to create so that the next one gets `target`
        if needed < 0:
            break
        if needed == 0:
            print("reached", flush=True)
            sys.exit(0)
        if needed == 1:
            last = probe()
            continue
        create(min(1000, needed - 1))
        last = probe()
    print(f"missed {last}", flush=True)
