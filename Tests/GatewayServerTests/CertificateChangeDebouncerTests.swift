import Testing

@testable import GatewayServer

/// The watcher's rules, with plain values: reload after the files are quiet for the debounce time, once;
/// a refused reload is retried with a growing delay; a new change restarts the wait.
@Suite struct CertificateChangeDebouncerTests {
    static let loaded: CertificateChangeDebouncer.Signature = [FileSignature(inode: 1, size: 100, modifiedSeconds: 10, modifiedNanoseconds: 0)]
    static let keyWritten: CertificateChangeDebouncer.Signature = [FileSignature(inode: 2, size: 120, modifiedSeconds: 20, modifiedNanoseconds: 0)]
    static let pairWritten: CertificateChangeDebouncer.Signature = [FileSignature(inode: 3, size: 130, modifiedSeconds: 21, modifiedNanoseconds: 0)]

    func make() -> CertificateChangeDebouncer {
        CertificateChangeDebouncer(initial: Self.loaded, debounce: .seconds(1), firstRetryDelay: .seconds(2), maximumRetryDelay: .seconds(5))
    }

    @Test func unchangedFilesNeverReload() {
        var debouncer = make()
        for second in 0..<10 { #expect(debouncer.observed(Self.loaded, at: .seconds(second)) == .nothing) }
    }

    @Test func reloadsOnceAfterTheFilesAreQuiet() {
        var debouncer = make()
        #expect(debouncer.observed(Self.keyWritten, at: .milliseconds(0)) == .nothing)
        #expect(debouncer.observed(Self.keyWritten, at: .milliseconds(500)) == .nothing)
        #expect(debouncer.observed(Self.keyWritten, at: .milliseconds(1000)) == .reload)
        #expect(debouncer.observed(Self.keyWritten, at: .milliseconds(1500)) == .nothing, "one reload at a time")
        debouncer.reloadFinished(succeeded: true, at: .milliseconds(1600))
        #expect(debouncer.observed(Self.keyWritten, at: .seconds(5)) == .nothing)
    }

    @Test func aChangeDuringTheWaitRestartsIt() {
        var debouncer = make()
        _ = debouncer.observed(Self.keyWritten, at: .milliseconds(0))
        #expect(debouncer.observed(Self.pairWritten, at: .milliseconds(900)) == .nothing)
        #expect(debouncer.observed(Self.pairWritten, at: .milliseconds(1500)) == .nothing)
        #expect(debouncer.observed(Self.pairWritten, at: .milliseconds(1900)) == .reload)
    }

    @Test func aRefusedReloadIsRetriedWithGrowingDelays() {
        var debouncer = make()
        _ = debouncer.observed(Self.keyWritten, at: .seconds(0))
        #expect(debouncer.observed(Self.keyWritten, at: .seconds(1)) == .reload)
        debouncer.reloadFinished(succeeded: false, at: .seconds(1))
        #expect(debouncer.isWaitingToRetry)
        #expect(debouncer.observed(Self.keyWritten, at: .milliseconds(2900)) == .nothing)
        #expect(debouncer.observed(Self.keyWritten, at: .seconds(3)) == .reload, "first retry after 2 s")
        debouncer.reloadFinished(succeeded: false, at: .seconds(3))
        #expect(debouncer.observed(Self.keyWritten, at: .milliseconds(6900)) == .nothing)
        #expect(debouncer.observed(Self.keyWritten, at: .seconds(7)) == .reload, "second retry after 4 s")
        debouncer.reloadFinished(succeeded: false, at: .seconds(7))
        #expect(debouncer.observed(Self.keyWritten, at: .seconds(12)) == .reload, "capped at 5 s")
    }

    @Test func theMissingHalfArrivingRestartsTheWait() {
        var debouncer = make()
        _ = debouncer.observed(Self.keyWritten, at: .seconds(0))
        _ = debouncer.observed(Self.keyWritten, at: .seconds(1))
        debouncer.reloadFinished(succeeded: false, at: .seconds(1))
        #expect(debouncer.observed(Self.pairWritten, at: .milliseconds(1200)) == .nothing)
        #expect(debouncer.observed(Self.pairWritten, at: .milliseconds(2200)) == .reload)
        debouncer.reloadFinished(succeeded: true, at: .milliseconds(2300))
        #expect(!debouncer.isWaitingToRetry)
    }
}
