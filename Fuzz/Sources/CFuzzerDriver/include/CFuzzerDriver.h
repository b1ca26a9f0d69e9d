#ifndef C_FUZZER_DRIVER_H
#define C_FUZZER_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt FuzzerInterface.h), in the runtime `-sanitize=fuzzer` links. Our
/// executables keep the `main` SwiftPM gives them and call this with the harness, instead of compiling
/// with `-parse-as-library` and letting libFuzzer's own `main` find `LLVMFuzzerTestOneInput`.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
