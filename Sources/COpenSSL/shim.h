#ifndef SLUICE_COPENSSL_SHIM_H
#define SLUICE_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/bio.h>
#include <openssl/rand.h>
#include <openssl/hmac.h>
#include <openssl/srtp.h>
#include <stdint.h>
#include <sys/time.h>

/*
 * Swift cannot import function-like macros (nor object-like macros that
 * expand to casts/shifts such as SSL_OP_BIT), so the DTLS layer reaches
 * them through these thin wrappers.
 */

/* SSL_OP_* option bits used by the DTLS context. */
static inline uint64_t sluice_SSL_OP_NO_QUERY_MTU(void) { return SSL_OP_NO_QUERY_MTU; }
static inline uint64_t sluice_SSL_OP_NO_TICKET(void) { return SSL_OP_NO_TICKET; }
static inline uint64_t sluice_SSL_OP_NO_COMPRESSION(void) { return SSL_OP_NO_COMPRESSION; }
static inline uint64_t sluice_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline uint64_t sluice_SSL_OP_CIPHER_SERVER_PREFERENCE(void) { return SSL_OP_CIPHER_SERVER_PREFERENCE; }

static inline int sluice_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline int sluice_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

static inline long sluice_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}

static inline int sluice_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_groups_list(ctx, list);
}

/* Sets the datagram size (link MTU) for DTLS records; 1 on success. */
static inline int sluice_DTLS_set_link_mtu(SSL *ssl, long mtu) {
    return (int)DTLS_set_link_mtu(ssl, mtu);
}

/*
 * Remaining time of the DTLS retransmission timer in microseconds, measured
 * by OpenSSL against the wall clock; -1 when no timer is armed.
 */
static inline int64_t sluice_DTLSv1_get_timeout_us(SSL *ssl) {
    struct timeval remaining = { 0, 0 };
    if (DTLSv1_get_timeout(ssl, &remaining) <= 0) {
        return -1;
    }
    return (int64_t)remaining.tv_sec * 1000000 + (int64_t)remaining.tv_usec;
}

/* 1 retransmitted, 0 timer not expired (or none), -1 fatal (e.g. too many retransmissions). */
static inline int sluice_DTLSv1_handle_timeout(SSL *ssl) {
    return (int)DTLSv1_handle_timeout(ssl);
}

static inline int sluice_BIO_reset(BIO *bio) {
    return BIO_reset(bio);
}

/* What a memory BIO's read returns when empty; -1 means "retry" (want read). */
static inline int sluice_BIO_set_mem_eof_return(BIO *bio, int value) {
    return (int)BIO_set_mem_eof_return(bio, value);
}

#endif
