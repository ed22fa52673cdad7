// The system libcrypto (OpenSSL 3): SHA-2, HMAC and PBKDF2 for SCRAM. Used only through
// BrokerSecurity's `ScramAlgorithm`.
#include <openssl/evp.h>
#include <openssl/hmac.h>
