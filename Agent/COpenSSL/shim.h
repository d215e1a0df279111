// The system OpenSSL 3 (Debian libssl3; headers from libssl-dev) for the agent's HTTPS client,
// loaded with dlopen on the first TLS context rather than linked: a command that uploads nothing
// (`sample`, `trace`, `--version`) never pays for loading and relocating libssl and libcrypto
// (about 1.5 ms of CPU and 2 MB of RSS per start, measured). Every call goes through the table of
// entry points below, loaded once (pthread_once) per object file that uses it; the
// `fathom_`-prefixed wrappers are what Swift calls. OpenSSL spells several calls as macros, which
// Swift cannot import; `fathom_SSL_CTX_configure_client` and `fathom_SSL_set_server_name` spell
// them through the table.
#ifndef FATHOM_COPENSSL_SHIM_H
#define FATHOM_COPENSSL_SHIM_H

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

/// The soname the agent loads: OpenSSL 3's, as Debian 12's libssl3 ships it.
#define FATHOM_LIBSSL_SONAME "libssl.so.3"

/// OpenSSL's entry points the agent uses, resolved from libssl (and libcrypto, its dependency).
struct fathom_openssl_api {
    __typeof__(&SSL_CTX_new) SSL_CTX_new;
    __typeof__(&TLS_client_method) TLS_client_method;
    __typeof__(&SSL_CTX_free) SSL_CTX_free;
    __typeof__(&SSL_CTX_load_verify_locations) SSL_CTX_load_verify_locations;
    __typeof__(&SSL_CTX_set_default_verify_paths) SSL_CTX_set_default_verify_paths;
    __typeof__(&SSL_CTX_use_certificate_chain_file) SSL_CTX_use_certificate_chain_file;
    __typeof__(&SSL_CTX_use_PrivateKey_file) SSL_CTX_use_PrivateKey_file;
    __typeof__(&SSL_CTX_check_private_key) SSL_CTX_check_private_key;
    __typeof__(&SSL_new) SSL_new;
    __typeof__(&SSL_free) SSL_free;
    __typeof__(&SSL_get0_param) SSL_get0_param;
    __typeof__(&SSL_set_fd) SSL_set_fd;
    __typeof__(&SSL_connect) SSL_connect;
    __typeof__(&SSL_get_error) SSL_get_error;
    __typeof__(&SSL_get_verify_result) SSL_get_verify_result;
    __typeof__(&SSL_read) SSL_read;
    __typeof__(&SSL_write) SSL_write;
    __typeof__(&SSL_peek) SSL_peek;
    __typeof__(&SSL_pending) SSL_pending;
    __typeof__(&X509_VERIFY_PARAM_set1_host) X509_VERIFY_PARAM_set1_host;
    __typeof__(&X509_VERIFY_PARAM_set1_ip_asc) X509_VERIFY_PARAM_set1_ip_asc;
    __typeof__(&X509_verify_cert_error_string) X509_verify_cert_error_string;
    __typeof__(&ERR_clear_error) ERR_clear_error;
    __typeof__(&ERR_get_error) ERR_get_error;
    __typeof__(&ERR_peek_error) ERR_peek_error;
    __typeof__(&ERR_reason_error_string) ERR_reason_error_string;
    __typeof__(&ERR_error_string_n) ERR_error_string_n;
    __typeof__(&SSL_CTX_ctrl) SSL_CTX_ctrl;
    __typeof__(&SSL_CTX_set_options) SSL_CTX_set_options;
    __typeof__(&SSL_CTX_set_verify) SSL_CTX_set_verify;
    __typeof__(&SSL_ctrl) SSL_ctrl;
};

/// The table, and why loading failed (empty once loaded). Function-local statics: Swift's importer
/// emits a header's inline functions with their statics, not a header's file-scope globals.
struct fathom_openssl_state {
    struct fathom_openssl_api api;
    char failure[512];
    pthread_once_t once;
};

static inline struct fathom_openssl_state *fathom_openssl_state(void) {
    static struct fathom_openssl_state state = {.once = PTHREAD_ONCE_INIT};
    return &state;
}

#define FATHOM_OPENSSL_LOAD(name)                                                                                    \
    state->api.name = (__typeof__(state->api.name))dlsym(handle, #name);                                            \
    if (state->api.name == NULL) {                                                                                   \
        snprintf(state->failure, sizeof state->failure, "%s lacks %s", FATHOM_LIBSSL_SONAME, #name);                 \
        return;                                                                                                      \
    }

static inline void fathom_openssl_load(void) {
    struct fathom_openssl_state *state = fathom_openssl_state();
    void *handle = dlopen(FATHOM_LIBSSL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *reason = dlerror();
        snprintf(state->failure, sizeof state->failure, "cannot load %s: %s", FATHOM_LIBSSL_SONAME,
                 reason ? reason : "unknown reason");
        return;
    }
    FATHOM_OPENSSL_LOAD(SSL_CTX_new)
    FATHOM_OPENSSL_LOAD(TLS_client_method)
    FATHOM_OPENSSL_LOAD(SSL_CTX_free)
    FATHOM_OPENSSL_LOAD(SSL_CTX_load_verify_locations)
    FATHOM_OPENSSL_LOAD(SSL_CTX_set_default_verify_paths)
    FATHOM_OPENSSL_LOAD(SSL_CTX_use_certificate_chain_file)
    FATHOM_OPENSSL_LOAD(SSL_CTX_use_PrivateKey_file)
    FATHOM_OPENSSL_LOAD(SSL_CTX_check_private_key)
    FATHOM_OPENSSL_LOAD(SSL_new)
    FATHOM_OPENSSL_LOAD(SSL_free)
    FATHOM_OPENSSL_LOAD(SSL_get0_param)
    FATHOM_OPENSSL_LOAD(SSL_set_fd)
    FATHOM_OPENSSL_LOAD(SSL_connect)
    FATHOM_OPENSSL_LOAD(SSL_get_error)
    FATHOM_OPENSSL_LOAD(SSL_get_verify_result)
    FATHOM_OPENSSL_LOAD(SSL_read)
    FATHOM_OPENSSL_LOAD(SSL_write)
    FATHOM_OPENSSL_LOAD(SSL_peek)
    FATHOM_OPENSSL_LOAD(SSL_pending)
    FATHOM_OPENSSL_LOAD(X509_VERIFY_PARAM_set1_host)
    FATHOM_OPENSSL_LOAD(X509_VERIFY_PARAM_set1_ip_asc)
    FATHOM_OPENSSL_LOAD(X509_verify_cert_error_string)
    FATHOM_OPENSSL_LOAD(ERR_clear_error)
    FATHOM_OPENSSL_LOAD(ERR_get_error)
    FATHOM_OPENSSL_LOAD(ERR_peek_error)
    FATHOM_OPENSSL_LOAD(ERR_reason_error_string)
    FATHOM_OPENSSL_LOAD(ERR_error_string_n)
    FATHOM_OPENSSL_LOAD(SSL_CTX_ctrl)
    FATHOM_OPENSSL_LOAD(SSL_CTX_set_options)
    FATHOM_OPENSSL_LOAD(SSL_CTX_set_verify)
    FATHOM_OPENSSL_LOAD(SSL_ctrl)
}

static inline const struct fathom_openssl_api *fathom_openssl(void) {
    struct fathom_openssl_state *state = fathom_openssl_state();
    pthread_once(&state->once, fathom_openssl_load);
    return &state->api;
}

/// Loads OpenSSL if not yet loaded: NULL when it is usable, else why not. Call before any other
/// `fathom_` function (the agent does, making its TLS context).
static inline const char *fathom_openssl_load_failure(void) {
    fathom_openssl();
    struct fathom_openssl_state *state = fathom_openssl_state();
    return state->failure[0] == 0 ? NULL : state->failure;
}

static inline SSL_CTX * fathom_SSL_CTX_new(const SSL_METHOD *method) { return fathom_openssl()->SSL_CTX_new(method); }
static inline const SSL_METHOD * fathom_TLS_client_method(void) { return fathom_openssl()->TLS_client_method(); }
static inline void fathom_SSL_CTX_free(SSL_CTX *ctx) { fathom_openssl()->SSL_CTX_free(ctx); }
static inline int fathom_SSL_CTX_load_verify_locations(SSL_CTX *ctx, const char *file, const char *path) { return fathom_openssl()->SSL_CTX_load_verify_locations(ctx, file, path); }
static inline int fathom_SSL_CTX_set_default_verify_paths(SSL_CTX *ctx) { return fathom_openssl()->SSL_CTX_set_default_verify_paths(ctx); }
static inline int fathom_SSL_CTX_use_certificate_chain_file(SSL_CTX *ctx, const char *file) { return fathom_openssl()->SSL_CTX_use_certificate_chain_file(ctx, file); }
static inline int fathom_SSL_CTX_use_PrivateKey_file(SSL_CTX *ctx, const char *file, int type) { return fathom_openssl()->SSL_CTX_use_PrivateKey_file(ctx, file, type); }
static inline int fathom_SSL_CTX_check_private_key(const SSL_CTX *ctx) { return fathom_openssl()->SSL_CTX_check_private_key(ctx); }
static inline SSL * fathom_SSL_new(SSL_CTX *ctx) { return fathom_openssl()->SSL_new(ctx); }
static inline void fathom_SSL_free(SSL *ssl) { fathom_openssl()->SSL_free(ssl); }
static inline X509_VERIFY_PARAM * fathom_SSL_get0_param(SSL *ssl) { return fathom_openssl()->SSL_get0_param(ssl); }
static inline int fathom_SSL_set_fd(SSL *ssl, int fd) { return fathom_openssl()->SSL_set_fd(ssl, fd); }
static inline int fathom_SSL_connect(SSL *ssl) { return fathom_openssl()->SSL_connect(ssl); }
static inline int fathom_SSL_get_error(const SSL *ssl, int ret) { return fathom_openssl()->SSL_get_error(ssl, ret); }
static inline long fathom_SSL_get_verify_result(const SSL *ssl) { return fathom_openssl()->SSL_get_verify_result(ssl); }
static inline int fathom_SSL_read(SSL *ssl, void *buf, int num) { return fathom_openssl()->SSL_read(ssl, buf, num); }
static inline int fathom_SSL_write(SSL *ssl, const void *buf, int num) { return fathom_openssl()->SSL_write(ssl, buf, num); }
static inline int fathom_SSL_peek(SSL *ssl, void *buf, int num) { return fathom_openssl()->SSL_peek(ssl, buf, num); }
static inline int fathom_SSL_pending(const SSL *ssl) { return fathom_openssl()->SSL_pending(ssl); }
static inline int fathom_X509_VERIFY_PARAM_set1_host(X509_VERIFY_PARAM *param, const char *name, size_t namelen) { return fathom_openssl()->X509_VERIFY_PARAM_set1_host(param, name, namelen); }
static inline int fathom_X509_VERIFY_PARAM_set1_ip_asc(X509_VERIFY_PARAM *param, const char *ipasc) { return fathom_openssl()->X509_VERIFY_PARAM_set1_ip_asc(param, ipasc); }
static inline const char * fathom_X509_verify_cert_error_string(long n) { return fathom_openssl()->X509_verify_cert_error_string(n); }
static inline void fathom_ERR_clear_error(void) { fathom_openssl()->ERR_clear_error(); }
static inline unsigned long fathom_ERR_get_error(void) { return fathom_openssl()->ERR_get_error(); }
static inline unsigned long fathom_ERR_peek_error(void) { return fathom_openssl()->ERR_peek_error(); }
static inline const char * fathom_ERR_reason_error_string(unsigned long e) { return fathom_openssl()->ERR_reason_error_string(e); }
static inline void fathom_ERR_error_string_n(unsigned long e, char *buf, size_t len) { fathom_openssl()->ERR_error_string_n(e, buf, len); }

/// A client context's fixed policy: TLS 1.2 or newer, the peer's certificate verified, no
/// compression, a peer that closes without close_notify read as an end of stream, and a write
/// retried from a moved buffer allowed.
static inline int fathom_SSL_CTX_configure_client(SSL_CTX *ctx) {
    const struct fathom_openssl_api *api = fathom_openssl();
    if (api->SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL) != 1) return 0;
    api->SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
    api->SSL_CTX_ctrl(ctx, SSL_CTRL_MODE, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, NULL);
    api->SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return 1;
}

/// Names the server for SNI (host names only; never an IP literal).
static inline int fathom_SSL_set_server_name(SSL *ssl, const char *name) {
    return (int)fathom_openssl()->SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, (void *)name);
}

#endif
