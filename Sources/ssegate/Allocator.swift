#if canImport(Glibc)
import Glibc
#endif
import CJemalloc

/// The process's memory allocator: jemalloc, linked into this executable so that it replaces glibc's malloc
/// for everything (Swift objects, OpenSSL, nghttp2, NIO's buffers).
///
/// Why: the fan-out walks every stream's objects once per event, and where those objects sit decides its
/// cost. jemalloc keeps same-sized objects together in per-thread slabs, so the objects of streams opened
/// together lie together; with glibc's malloc the same delivery path took ~1.5× the server CPU
/// (BENCHMARKS.md, "The allocator"). Nothing else in the code depends on it.
enum Allocator {
    /// "jemalloc <version>" when jemalloc serves this process's malloc; otherwise it says what is wrong.
    static var description: String {
        guard let version = jemallocVersion else { return "unknown" }
        return servesMalloc ? "jemalloc \(version)" : "glibc malloc; jemalloc \(version) is linked but not used"
    }

    /// jemalloc's purge settings for a server, unless the operator gave their own in `MALLOC_CONF`: freed
    /// pages go back to the kernel about a second after they fall idle (`dirty_decay_ms`, 10 s by default),
    /// and jemalloc's own background threads do it (`background_thread`).
    ///
    /// Why: without a background thread jemalloc purges only while some thread allocates, so an idle
    /// server kept the pages its connections' handshakes and request parsing had used (OpenSSL's 17 KB
    /// record buffers, NIO's HTTP/1.1 codec) for as long as nothing happened: ~0.4 KiB per idle HTTP/1.1
    /// connection (BENCHMARKS.md, "The allocator"). Purging on those threads also keeps the madvise calls
    /// off the event loops. Returns what it did, for the `starting` log line.
    static func configureForServing(environment: [String: String]) -> String {
        guard servesMalloc else { return "not jemalloc" }
        if let own = environment["MALLOC_CONF"] { return "MALLOC_CONF=\(own)" }
        var decay = dirtyDecayMilliseconds
        var enabled = true
        // New arenas take `arenas.dirty_decay_ms`; the ones made already (arena 0 at least) are set one by
        // one, since this setting does not take MALLCTL_ARENAS_ALL. An index not in use yet refuses, and
        // will take the new default when it is made.
        guard mallctl("arenas.dirty_decay_ms", nil, nil, &decay, MemoryLayout<Int>.size) == 0,
            mallctl("arena.0.dirty_decay_ms", nil, nil, &decay, MemoryLayout<Int>.size) == 0
        else { return "jemalloc defaults (mallctl refused dirty_decay_ms)" }
        for arena in stride(from: 1, to: arenaCount, by: 1) {
            _ = mallctl("arena.\(arena).dirty_decay_ms", nil, nil, &decay, MemoryLayout<Int>.size)
        }
        guard mallctl("background_thread", nil, nil, &enabled, MemoryLayout<Bool>.size) == 0 else {
            return "dirty_decay_ms \(decay), no background thread (mallctl refused it)"
        }
        return "background purge, dirty_decay_ms \(decay)"
    }

    private static let dirtyDecayMilliseconds = 1_000

    private static var arenaCount: UInt32 {
        var count: UInt32 = 0
        var length = MemoryLayout<UInt32>.size
        return mallctl("arenas.narenas", &count, &length, nil, 0) == 0 ? count : 0
    }

    private static var jemallocVersion: String? {
        var version: UnsafePointer<CChar>?
        var length = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("version", &version, &length, nil, 0) == 0, let version else { return nil }
        return String(cString: version)
    }

    /// Whether `malloc` is jemalloc's: the definition the dynamic linker bound the name to is the one in the
    /// loaded libjemalloc. (Linking alone is not enough: `malloc` goes to the first loaded library that
    /// defines it.)
    private static var servesMalloc: Bool {
        guard let jemalloc = dlopen("libjemalloc.so.2", RTLD_LAZY | RTLD_NOLOAD) else { return false }
        defer { dlclose(jemalloc) }
        let bound = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc")  // RTLD_DEFAULT
        return bound != nil && bound == dlsym(jemalloc, "malloc")
    }
}
