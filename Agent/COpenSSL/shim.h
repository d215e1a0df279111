// The system OpenSSL (Debian libssl-dev) for the agent's HTTPS client. OpenSSL spells several calls
// as macros, which Swift cannot import; the inline functions below give them names Swift sees.
#ifndef FATHOM_COPENSSL_SHIM_H
#define FATHOM_COPENSSL_SHIM_H

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

/// A client context's fixed policy: TLS 1.2 or newer, the peer's certificate verified, no
/// compression, a peer that closes without close_notify read as an end of stream, and a write
/// retried from a moved buffer allowed.
static inline int fathom_SSL_CTX_configure_client(SSL_CTX *ctx) {
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) return 0;
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return 1;
}

/// Names the server for SNI (host names only; never an IP literal).
static inline int fathom_SSL_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

#endif
