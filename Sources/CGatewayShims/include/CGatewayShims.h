#ifndef CGATEWAYSHIMS_H
#define CGATEWAYSHIMS_H
// One-line wrappers for OpenSSL macros and SSL_OP_* constants, which Swift cannot import
// (function-like macros). Each is named CGatewayShims_<C name>.
#include <stdint.h>
#include <openssl/ssl.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/bio.h>
#include <openssl/buffer.h>

/// SSL_CTX_set_mode is a macro over SSL_CTX_ctrl; needed for SSL_MODE_RELEASE_BUFFERS.
long CGatewayShims_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
/// SSL_CTX_get_mode is a macro over SSL_CTX_ctrl; tests check that RELEASE_BUFFERS is on.
long CGatewayShims_SSL_CTX_get_mode(SSL_CTX *ctx);
/// SSL_CTX_set_min_proto_version is a macro over SSL_CTX_ctrl; TLS 1.2 floor.
int CGatewayShims_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
/// SSL_CTX_set_max_proto_version is a macro over SSL_CTX_ctrl; TLS 1.3 ceiling (tests cap clients lower).
int CGatewayShims_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);
/// SSL_CTX_get_min_proto_version is a macro over SSL_CTX_ctrl; tests check the configured floor.
int CGatewayShims_SSL_CTX_get_min_proto_version(SSL_CTX *ctx);
/// SSL_CTX_get_max_proto_version is a macro over SSL_CTX_ctrl; tests check the configured ceiling.
int CGatewayShims_SSL_CTX_get_max_proto_version(SSL_CTX *ctx);
/// SSL_CTX_set1_groups_list is a macro over SSL_CTX_ctrl; Mozilla intermediate key-exchange groups.
int CGatewayShims_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list);
/// SSL_CTX_set_session_cache_mode is a macro over SSL_CTX_ctrl; we turn the stateful cache off.
long CGatewayShims_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode);
/// SSL_CTX_set_tlsext_servername_callback is a macro over SSL_CTX_callback_ctrl (which takes an untyped
/// function pointer); this gives Swift the typed SNI callback signature.
int CGatewayShims_SSL_CTX_set_tlsext_servername_callback(SSL_CTX *ctx, int (*callback)(SSL *ssl, int *alert, void *arg));
/// SSL_CTX_set_tlsext_servername_arg is a macro over SSL_CTX_ctrl; carries the Unmanaged owner pointer.
int CGatewayShims_SSL_CTX_set_tlsext_servername_arg(SSL_CTX *ctx, void *arg);
/// SSL_set_tlsext_host_name is a macro over SSL_ctrl; the client sends SNI with it.
int CGatewayShims_SSL_set_tlsext_host_name(SSL *ssl, const char *name);
/// EVP_EC_gen is a macro over the variadic EVP_PKEY_Q_keygen, which Swift cannot call.
EVP_PKEY *CGatewayShims_EVP_EC_gen(const char *curve);
/// BIO_get_mem_ptr is a macro over BIO_ctrl; lets us see how much memory an idle memory BIO still holds.
long CGatewayShims_BIO_get_mem_ptr(BIO *bio, BUF_MEM **out);
/// BIO_set_mem_buf is a macro over BIO_ctrl; gives a memory BIO a new BUF_MEM and frees the old one (BIO_CLOSE).
long CGatewayShims_BIO_set_mem_buf(BIO *bio, BUF_MEM *buffer);

/// SSL_OP_* are built from the function-like SSL_OP_BIT(n), so Swift does not import them.
uint64_t CGatewayShims_SSL_OP_NO_RENEGOTIATION(void);
/// See CGatewayShims_SSL_OP_NO_RENEGOTIATION.
uint64_t CGatewayShims_SSL_OP_NO_COMPRESSION(void);
/// See CGatewayShims_SSL_OP_NO_RENEGOTIATION.
uint64_t CGatewayShims_SSL_OP_NO_TICKET(void);
#endif
