extension HTTP2ServerSession {
    /// Call now and then (every few seconds) while the connection may be idle. Returns false while the
    /// session is busy: frames were sent since the previous call, or one is still in flight. Otherwise it
    /// hands the pages of nghttp2's 16 KiB frame buffer back to the kernel (see `FrameBufferMemory`) and
    /// returns true; the next frame we send faults them back in.
    ///
    /// Asking twice before releasing keeps busy connections from paying a madvise and page faults per batch.
    public func releaseFrameBufferIfQuiet() -> Bool {
        if self.sentSinceQuietCheck {
            self.sentSinceQuietCheck = false
            return false
        }
        guard self.outputDrained else {
            return false
        }
        self.memory.releaseFrameBuffer()
        return true
    }
}
