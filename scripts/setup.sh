#!/usr/bin/env bash
# Installs what Bulwark needs to build and test on Debian/Ubuntu. Idempotent: it only
# installs what is missing, so the README's commands can run it every time.
set -euo pipefail
cd "$(dirname "$0")/.."

# C libraries the codec links (compression), SCRAM uses (libcrypto) and GSSAPI uses (libkrb5), the real clients
# the tests drive, and openssl, which the TLS tests use to make certificates at test time.
# Kerberos: the GSSAPI tests run their own throwaway KDC (krb5-kdc, krb5-admin-server for kadmin.local,
# krb5-user for kinit; libsasl2-modules-gssapi-mit is the Cyrus plugin kcat/librdkafka use); gcc, python3-dev and librdkafka-dev build the Python `gssapi` package and a
# confluent-kafka linked to Debian's librdkafka, which has GSSAPI (the PyPI wheel's does not).
APT_PACKAGES=(zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev libssl-dev libkrb5-dev kcat openssl
              krb5-kdc krb5-admin-server krb5-user libsasl2-modules-gssapi-mit librdkafka-dev gcc python3-dev)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: Swift 6 is required (https://www.swift.org/install/linux/); 'swift' is not on PATH" >&2
    exit 1
fi

# Python virtual environment for the client-based tests (pinned clients).
if [ "${BULWARK_NO_VENV:-0}" != 1 ]; then
    if [ ! -x .venv/bin/python ]; then
        python3 -m venv .venv
    fi
    stamp=.venv/.requirements.sha
    want=$(sha256sum tests/requirements.txt | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        .venv/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
        echo "$want" >"$stamp"
    fi
    # A second venv: confluent-kafka 2.0.2 built from source against Debian's librdkafka 2.0.2,
    # the only way to drive confluent-kafka with SASL/GSSAPI (the GSSAPI tests run it as a
    # subprocess). Rebuilt only when the pinned version changes.
    rdkafka_pin="confluent-kafka==2.0.2"
    if [ ! -x .venv-rdkafka202/bin/python ]; then
        python3 -m venv .venv-rdkafka202
    fi
    if [ "$(cat .venv-rdkafka202/.pin 2>/dev/null)" != "$rdkafka_pin" ]; then
        .venv-rdkafka202/bin/pip install -q --disable-pip-version-check --no-binary confluent-kafka "$rdkafka_pin"
        echo "$rdkafka_pin" >.venv-rdkafka202/.pin
    fi
fi
