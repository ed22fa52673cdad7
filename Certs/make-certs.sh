#!/bin/sh
# Makes a CA, a broker certificate and a client certificate with openssl, for Bulwark's
# SSL and SASL_SSL listeners (and mTLS). Keys are written with umask 077 (mode 0600).
#
#   Certs/make-certs.sh OUTDIR [BROKER_SANS] [CLIENT_CN]
#     BROKER_SANS  openssl subjectAltName list (default DNS:localhost,IP:127.0.0.1)
#     CLIENT_CN    the client certificate's common name (default client-1)
#   Environment: DAYS (validity, default 365), KEY_PASSWORD (encrypt broker.key with it, AES-256)
#
# OUTDIR/ca.pem, ca.key                  the CA: give ca.pem to clients and as ssl.truststore.location
# OUTDIR/broker.pem, broker.key          the broker's certificate and key
# OUTDIR/broker-keystore.pem             key + certificate in one PEM: ssl.keystore.location
# OUTDIR/client.pem, client.key          a client certificate (extendedKeyUsage clientAuth) for mTLS
set -eu

if [ $# -lt 1 ]; then
    echo "usage: $0 OUTDIR [BROKER_SANS] [CLIENT_CN]" >&2
    exit 2
fi
out=$1
sans=${2:-DNS:localhost,IP:127.0.0.1}
client_cn=${3:-client-1}
days=${DAYS:-365}

umask 077
mkdir -p "$out"
cd "$out"

# The CA: it signs certificates and nothing else.
openssl req -x509 -newkey rsa:3072 -nodes -days "$days" -subj "/O=Bulwark/CN=Bulwark CA" \
    -keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

issue() { # name subject extensions-file
    openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days "$days" \
        -extfile "$3" -out "$1.pem" 2>/dev/null
    rm -f "$1.csr"
}

cat > broker.ext <<CONF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$sans
CONF
issue broker "/O=Bulwark/CN=bulwark-broker" broker.ext

cat > client.ext <<CONF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
CONF
issue client "/O=Bulwark/OU=clients/CN=$client_cn" client.ext

if [ -n "${KEY_PASSWORD:-}" ]; then
    # ssl.key.password: the broker decrypts the key with it at start and at each reload.
    openssl pkey -in broker.key -aes256 -passout env:KEY_PASSWORD -out broker.key.enc
    mv broker.key.enc broker.key
fi
cat broker.key broker.pem > broker-keystore.pem
rm -f broker.ext client.ext ca.srl
chmod 644 ca.pem broker.pem client.pem
echo "certificates in $out: ca.pem, broker-keystore.pem (ssl.keystore.location), client.pem/client.key"
