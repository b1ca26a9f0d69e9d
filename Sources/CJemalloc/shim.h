#ifndef CJEMALLOC_SHIM_H
#define CJEMALLOC_SHIM_H
#include <stddef.h>
// Linking libjemalloc into the ssegate executable makes it the process's malloc (it exports malloc, free
// and the rest, which take precedence over glibc's for every library, OpenSSL and nghttp2 included). Only
// its control interface is declared here: including <jemalloc/jemalloc.h> would declare malloc a second
// time next to Glibc's module.
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
#endif
