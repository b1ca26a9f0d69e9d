#ifndef CGATEWAYSHIMS_H
#define CGATEWAYSHIMS_H
// One-line wrappers for OpenSSL macros and SSL_OP_* constants, which Swift cannot import
// (function-like macros). Each is named CGatewayShims_<C name>.
#include <openssl/ssl.h>

long CGatewayShims_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
#endif
