import CFuzzerDriver

#if canImport(Glibc)
import Glibc
#endif

// libFuzzer runs `fuzzConfiguration` on each input until a crash or -max_total_time (see CFuzzerDriver.h).
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    guard let data else { return 0 }
    return fuzzConfiguration(data, size)
})
