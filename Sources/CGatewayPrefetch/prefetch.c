// The module is its header (static inline); SwiftPM wants a C target to have a source file.
#include "CGatewayPrefetch.h"
