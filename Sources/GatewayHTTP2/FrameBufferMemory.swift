internal import CNGHTTP2

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The nghttp2 memory functions of one session (`nghttp2_session_server_new3`): plain malloc, except that
/// the session's outbound frame buffer is page-aligned so its pages can be handed back to the kernel while
/// the connection is idle.
///
/// Why: nghttp2 1.52 allocates `aob.framebufs` in `session_new` (`nghttp2_bufs_init3` with
/// `chunk_keep = 1`), one chunk of `NGHTTP2_FRAMEBUF_CHUNKLEN` bytes that it keeps until the session is
/// deleted. It is 16 KiB of a ~26 KiB session, and every frame we send is packed into it, so an idle SSE
/// connection keeps it resident although it only matters while a frame is being sent.
///
/// Safety: nghttp2 packs a frame into the buffer in `nghttp2_session_mem_send` and the frame stays there
/// until the next `mem_send` call; once `mem_send` returned 0 the buffer is reset and its content is dead.
/// `releaseFrameBuffer()` must only be called then. `MADV_DONTNEED` keeps the mapping (the pointer stays
/// valid) and the next write faults in zero pages. Only whole pages inside the allocation are released:
/// the malloc chunk headers around it are never touched.
final class FrameBufferMemory {
    /// `NGHTTP2_FRAMEBUF_CHUNKLEN` (nghttp2_session.h, internal): frame header, Pad Length, largest payload.
    static let frameBufferLength = 9 + 1 + 16_384

    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// The frame buffer chunk while nghttp2 holds it; nil before `session_new` or after nghttp2 let it go.
    private(set) var frameBuffer: UnsafeMutableRawPointer?

    /// Bytes of `frameBuffer` that `releaseFrameBuffer()` gives back: its whole pages.
    static var releasableLength: Int { frameBufferLength / pageSize * pageSize }

    /// Gives the frame buffer's pages back to the kernel. Only when no frame is in flight (see the type's note).
    func releaseFrameBuffer() {
        guard let frameBuffer, Self.releasableLength > 0 else { return }
        _ = madvise(frameBuffer, Self.releasableLength, MADV_DONTNEED)
    }

    /// The functions to hand to nghttp2; they reach `self` through an unretained `mem_user_data`, so keep
    /// this object alive until the session is deleted.
    var nghttp2Memory: nghttp2_mem {
        nghttp2_mem(
            mem_user_data: Unmanaged.passUnretained(self).toOpaque(),
            malloc: { size, _ in malloc(size) },
            free: { pointer, userData in
                FrameBufferMemory.with(userData) { $0.forget(pointer) }
                free(pointer)
            },
            calloc: { count, size, _ in calloc(count, size) },
            realloc: { pointer, size, userData in
                FrameBufferMemory.with(userData) { $0.reallocate(pointer, size) }
            }
        )
    }

    /// nghttp2 allocates buffers with realloc(NULL, n) (`nghttp2_buf_reserve`); the first one of exactly the
    /// frame buffer's length is `aob.framebufs`' kept chunk, allocated while the session is created.
    private func reallocate(_ pointer: UnsafeMutableRawPointer?, _ size: Int) -> UnsafeMutableRawPointer? {
        if pointer == nil, size == Self.frameBufferLength, self.frameBuffer == nil {
            var aligned: UnsafeMutableRawPointer?
            guard posix_memalign(&aligned, Self.pageSize, size) == 0 else { return nil }
            self.frameBuffer = aligned
            return aligned
        }
        self.forget(pointer)
        return realloc(pointer, size)
    }

    private func forget(_ pointer: UnsafeMutableRawPointer?) {
        if let pointer, pointer == self.frameBuffer {
            self.frameBuffer = nil
        }
    }

    /// Borrowed, not retained: the session keeps this alive for as long as nghttp2 can allocate, and nghttp2
    /// frees an outbound item per DATA frame (a retain and a release each were ~1% of fan-out CPU).
    private static func with<Result>(
        _ userData: UnsafeMutableRawPointer?, _ body: (FrameBufferMemory) -> Result
    ) -> Result {
        Unmanaged<FrameBufferMemory>.fromOpaque(userData!)._withUnsafeGuaranteedRef(body)
    }
}
