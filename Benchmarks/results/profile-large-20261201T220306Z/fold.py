#!/usr/bin/env python3
"""Attributes perf script samples (stdin, demangled) to the first matching bucket, leaf to root."""
import sys, re, collections
BUCKETS = [
    ("ciphertext append (sink)", "TLSConnection.appendCiphertext"),
    ("nghttp2 DATA read (copy into framebuf)", "HTTP2OutboundQueue.read"),
    ("nghttp2 send_data (no-copy)", "sendData"),
    ("collectOutput copy out of framebuf", "HTTP2ServerSession.collectOutput"),
    ("SSL_write", "TLSConnection.write"),
    ("socket write (kernel)", "Socket.write"),
    ("socket read", "readFromSocket"),
    ("SSE encode", "EventStreamEncoder"),
    ("publish (HTTP/1.1)", "HTTP1ConnectionHandler"),
    ("hub/fanout", "LoopFanout"),
    ("channel stream", "ChannelStream"),
    ("nghttp2 other", "libnghttp2"),
    ("flushNow other", "HTTP2ConnectionHandler.flushNow"),
    ("event loop other", "SelectableEventLoop"),
]
counts = collections.Counter()
leafs = collections.defaultdict(collections.Counter)
total = 0
stack = []
def flush():
    global total
    if not stack: return
    total += 1
    name = "other"
    for label, needle in BUCKETS:
        if any(needle in frame for frame in stack):
            name = label; break
    counts[name] += 1
    leaf = stack[0]
    kind = "kernel-mm" if re.search(r"page_fault|clear_page|anonymous|mm_fault|unmap|memcg|folio|lruvec|alloc_pages|mas_walk|rmap|pte_|free_unref|percpu_counter|get_page_from|charge", leaf) else ("memmove" if "memmove" in leaf else ("crypto" if "libcrypto" in leaf else "other"))
    leafs[name][kind] += 1
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line.strip():
        flush(); stack = []; continue
    if line.startswith((" ", "\t")):
        stack.append(line.strip())
flush()
for name, n in counts.most_common():
    print(f"{100*n/total:6.1f}%  {name:45s} " + ", ".join(f"{k} {100*v/total:.1f}%" for k, v in leafs[name].most_common()))
print("samples", total)
