"""A webhook receiver for the gateway's tests: an HTTP/1.1 server on 127.0.0.1, port chosen by the kernel.

Prints `PORT <n>` once listening, then one JSON line per POST it receives:
  {"n": <request number, from 1>, "signature": <X-Ssegate-Signature or null>,
   "event": <X-Ssegate-Event or null>, "body": <the body as text>}

Modes:
  ok          answers 204 at once
  slow:S      waits S seconds, then answers 204 (the gateway's timeout cuts it off first)
  fail:K      answers 500 to the first K requests, then 204 (exercises the retries)

usage: webhook_receiver.py MODE [CERTFILE KEYFILE]   (with a certificate: HTTPS)
"""
import http.server
import json
import ssl
import sys
import threading
import time

mode = sys.argv[1]
counter_lock = threading.Lock()
counter = [0]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length).decode("utf-8")
        with counter_lock:
            counter[0] += 1
            number = counter[0]
        print(json.dumps({
            "n": number,
            "signature": self.headers.get("x-ssegate-signature"),
            "event": self.headers.get("x-ssegate-event"),
            "body": body,
        }), flush=True)
        status = 204
        if mode.startswith("slow:"):
            time.sleep(float(mode.split(":")[1]))
        elif mode.startswith("fail:") and number <= int(mode.split(":")[1]):
            status = 500
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
if len(sys.argv) >= 4:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[2], sys.argv[3])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print("PORT %d" % server.server_address[1], flush=True)
server.serve_forever()
