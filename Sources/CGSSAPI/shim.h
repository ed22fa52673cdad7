// MIT Kerberos GSSAPI (Debian libkrb5-dev), used only through BrokerSecurity's GSSAPI
// acceptor wrapper. The OID constants are mutable C globals and the status macros do not
// import into Swift, so they are re-exposed here as inline functions.
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <gssapi/gssapi_ext.h>

static inline gss_OID bulwark_gss_nt_hostbased_service(void) { return GSS_C_NT_HOSTBASED_SERVICE; }
static inline gss_OID bulwark_gss_mech_krb5(void) { return (gss_OID)gss_mech_krb5; }
static inline int bulwark_gss_error(OM_uint32 major) { return GSS_ERROR(major) ? 1 : 0; }
static inline int bulwark_gss_continue_needed(OM_uint32 major) { return (major & GSS_S_CONTINUE_NEEDED) ? 1 : 0; }
