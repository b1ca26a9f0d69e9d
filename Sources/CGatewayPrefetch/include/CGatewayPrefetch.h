#ifndef CGATEWAYPREFETCH_H
#define CGATEWAYPREFETCH_H
// A cache prefetch hint, which Swift has no spelling for (`__builtin_prefetch`). Inline, so a call is one
// `prefetcht0` instruction: it never faults, never blocks, and changes nothing a program can observe but time.

/// Asks the CPU to start loading the cache line holding `address` (and the next one) for reading.
static inline void CGatewayPrefetch_twoLines(const void *address) {
    __builtin_prefetch(address, 0, 3);
    __builtin_prefetch((const char *)address + 64, 0, 3);
}

/// The same for four cache lines (an object of up to 256 bytes).
static inline void CGatewayPrefetch_fourLines(const void *address) {
    CGatewayPrefetch_twoLines(address);
    CGatewayPrefetch_twoLines((const char *)address + 128);
}

#endif
