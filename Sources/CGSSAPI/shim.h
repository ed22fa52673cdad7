// MIT Kerberos GSSAPI (Debian libkrb5-dev), used only through BrokerSecurity's GSSAPI
// acceptor wrapper. The OID constants are mutable C globals and the status macros do not
// import into Swift, so they are re-exposed here as inline functions.
#include <stddef.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <gssapi/gssapi_ext.h>
#include <krb5/krb5.h>

static inline gss_OID bulwark_gss_nt_hostbased_service(void) { return GSS_C_NT_HOSTBASED_SERVICE; }
static inline gss_OID bulwark_gss_nt_krb5_principal(void) { return (gss_OID)GSS_KRB5_NT_PRINCIPAL_NAME; }
static inline gss_OID bulwark_gss_mech_krb5(void) { return (gss_OID)gss_mech_krb5; }
static inline int bulwark_gss_error(OM_uint32 major) { return GSS_ERROR(major) ? 1 : 0; }
static inline int bulwark_gss_continue_needed(OM_uint32 major) { return (major & GSS_S_CONTINUE_NEEDED) ? 1 : 0; }
static inline OM_uint32 bulwark_gss_c_gss_code(void) { return GSS_C_GSS_CODE; }
static inline OM_uint32 bulwark_gss_c_mech_code(void) { return GSS_C_MECH_CODE; }

// Acceptor credentials for `name` from one keytab file (MIT's credential-store extension),
// krb5 only. Building the key/value set here keeps its C string lifetimes out of Swift.
static inline OM_uint32 bulwark_gss_acquire_acceptor(OM_uint32 *minor, gss_name_t name, const char *keytab,
                                                     gss_cred_id_t *cred) {
    gss_key_value_element_desc element = { "keytab", keytab };
    gss_key_value_set_desc store = { 1, &element };
    gss_OID_set_desc mechs = { 1, (gss_OID)gss_mech_krb5 };
    return gss_acquire_cred_from(minor, name, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT, &store, cred, NULL, NULL);
}

// The default realm of the krb5 configuration in effect (KRB5_CONFIG), copied into `out`;
// 0 on success. Kafka's `DEFAULT` principal-to-local rule compares against it.
static inline int bulwark_krb5_default_realm(char *out, size_t capacity) {
    krb5_context ctx = NULL;
    if (krb5_init_context(&ctx) != 0) return -1;
    char *realm = NULL;
    int rc = -1;
    if (krb5_get_default_realm(ctx, &realm) == 0 && realm != NULL) {
        size_t n = 0;
        while (realm[n] != 0 && n + 1 < capacity) { out[n] = realm[n]; n++; }
        out[n] = 0;
        rc = realm[n] == 0 ? 0 : -1;
        krb5_free_default_realm(ctx, realm);
    }
    krb5_free_context(ctx);
    return rc;
}
