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
