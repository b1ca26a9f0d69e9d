#!/usr/bin/env python3
"""Attributes the heap of a heaptrack stack file (heaptrack_print -F, demangled) per unit (stream or connection).

usage: heap_attribution.py components STACKS UNITS     a Markdown table: bytes per unit by component
       heap_attribution.py sites STACKS UNITS [DEPTH]  call sites (leaf-most frames past the allocators)

Used by heap-attribution.sh. Components are recognised by the frames of each stack (see `classify`); what
matches nothing is the process's own start-up state and anything unrecognised.
"""
import collections
import re
import sys

ALLOCATOR = re.compile(r"^(malloc|calloc|realloc|posix_memalign|aligned_alloc|operator new|swift_slowAlloc|swift_allocObject|"
                       r"_swift_allocObject|swift_allocBox|swift_makeBoxUnique|CRYPTO_|0x[0-9a-f]+$)")
# Frames skipped when naming a call site: allocators and the standard library's storage plumbing.
PLUMBING = re.compile(r"^(malloc|calloc|realloc|posix_memalign|aligned_alloc|operator new|swift_slowAlloc|swift_allocObject|"
                      r"_swift_allocObject|swift_allocBox|CRYPTO_malloc|CRYPTO_zalloc|CRYPTO_realloc|CRYPTO_memdup|CRYPTO_strdup|"
                      r"CRYPTO_strndup|__GI___strdup|0x[0-9a-f]+|(specialized )?(static )?_?(ContiguousArray|_ContiguousArrayBuffer|"
                      r"_DictionaryStorage|__RawDictionaryStorage|_NativeDictionary|Array|_StringGuts|_StringObject|ManagedBuffer)|"
                      r"(specialized )?_allocateUninitializedArray|(specialized )?_copyCollectionToContiguousArray|swift_retain|__libc_|"
                      r"_int_|nghttp2_mem_|swift_arrayInitWithCopy|__swift_instantiateConcreteTypeFromMangledName|swift_getGenericMetadata)")
OPENSSL = re.compile(r"^(SSL_|EVP_|BIO_|OPENSSL_|X509|ossl|tls_|ssl|ERR_|OSSL|RAND_|EC_|HMAC|DH_|RSA_|BN_|evp_|ASN1|asn1)")


def frames_of(stack):
    return [re.sub(r" \([^)]*\)$", "", f) for f in stack.rstrip(";").split(";") if f]


def classify(frames):
    leaf = frames[::-1]
    if any("FrameBufferMemory.nghttp2Memory" in f for f in leaf[:14]):
        return "nghttp2: 16 KiB frame buffer (pages given back, not resident)"
    for f in leaf:
        if ALLOCATOR.match(f):
            continue
        if OPENSSL.match(f) or f.startswith(("TLSHandler", "TLSConnection")) or "makeSSL" in f:
            return "OpenSSL (SSL object, ciphers, session, key share)"
        if f.startswith("nghttp2_") and "session_mem_recv" in f:
            return "nghttp2: per-stream state (nghttp2_stream)"
        if f.startswith("nghttp2_"):
            return "nghttp2: session, stream map, HPACK rings"
        break

    def has(*names):
        return any(any(name in f for name in names) for f in leaf[:12])
    if has("ChannelStream.__allocating_init"):
        return "ours: ChannelStream (per stream)"
    if has("HubSubscription", "LoopFanout.add", "ChannelFeed.register", "MemoryChannel.subscribe"):
        return "ours: hub registration (HubSubscription, fan-out slot, session count)"
    if has("HeartbeatWheel"):
        return "ours: heartbeat wheel entry"
    if has("HTTP2OutboundQueue", "HTTP2ServerSession.headersBegan", "HTTP2ConnectionHandler.answer",
           "HTTP2ServerSession.__allocating_init", "HTTP2ConnectionHandler.__allocating_init"):
        return "ours: HTTP/2 handler, session wrapper, stream tables"
    if has("Logger", "LogHandler"):
        return "ours: connection logger metadata"
    if has("HTTPDecoder", "BetterHTTPParser", "HTTPServerPipelineHandler", "HTTPResponseEncoder", "configureHTTPServerPipeline",
           "ByteToMessageHandler", "B2MDBuffer", "HTTPServerProtocolErrorHandler"):
        return "NIO HTTP/1.1 codec"
    if has("HTTP1ConnectionHandler", "IdleTimer", "DeadlineTimer", "ConnectionRegistry", "ConnectionMetrics", "ResponseHeaders",
           "ChannelResponder", "RoutePattern", "ApplicationProtocol.configure", "GatewayServer.bind", "ConnectionServices"):
        return "ours: handlers, timers, registry, metrics, request copies"
    if has("SocketChannel", "ChannelPipeline", "ChannelHandlerContext", "PendingStreamWrites", "Selector", "EventLoopFuture",
           "EventLoopPromise", "ByteBuffer", "SocketAddress", "readFromSocket", "_scheduleTask", "Heap.append"):
        return "NIO: channel, pipeline, buffers, scheduled tasks"
    return "process start-up state and other"


def read(path):
    for line in open(path, errors="replace"):
        stack, _, cost = line.rstrip("\n").rpartition(" ")
        try:
            yield frames_of(stack), int(cost)
        except ValueError:
            continue


def components(path, units):
    totals = collections.Counter()
    for frames, cost in read(path):
        totals[classify(frames)] += cost
    print(f"| component | bytes per unit ({units:,} units) |\n|---|---:|")
    for name, cost in totals.most_common():
        print(f"| {name} | {cost / units:,.0f} |")
    print(f"| **heap held** | **{sum(totals.values()) / units:,.0f}** |")


def sites(path, units, depth=4, minimum=4.0):
    totals = collections.Counter()
    for frames, cost in read(path):
        kept = [f for f in frames[::-1] if not PLUMBING.match(f)]
        totals[" < ".join(f[:70] for f in kept[:depth])] += cost
    print(f"heap held {sum(totals.values()) / 1024:.1f} KiB = {sum(totals.values()) / units:.1f} B per unit ({units} units)")
    for site, cost in totals.most_common():
        if cost / units < minimum:
            break
        print(f"{cost / units:9.1f} B  {site}")


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] not in ("components", "sites"):
        sys.exit(__doc__)
    if sys.argv[1] == "components":
        components(sys.argv[2], int(sys.argv[3]))
    else:
        sites(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 4)
