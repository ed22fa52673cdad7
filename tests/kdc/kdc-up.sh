#!/usr/bin/env bash
# kdc-up.sh DIR [PORT] [REALM]
#
# A throwaway MIT Kerberos realm for the GSSAPI tests and benchmark: one KDC process on
# 127.0.0.1:PORT (TCP and UDP), with its database, configuration, keytabs, replay cache and
# logs all inside DIR. Nothing system-wide is read or written: the generated krb5.conf and
# kdc.conf are reached through KRB5_CONFIG and KRB5_KDC_PROFILE, never /etc/krb5.conf.
#
# Principals (random keys, exported to keytabs in DIR, mode 0600):
#   kafka/localhost   kafka.keytab   the broker's service principal
#   other/localhost   other.keytab   a second service, for wrong-service tickets
#   kafka/127.0.0.1   (no keytab)    a service the broker holds no key for
#   alice, bob        alice.keytab, bob.keytab   clients (kinit -k -t)
#
# On success prints the environment as `export` lines (also written to DIR/env.sh).
# Stop it with kdc-down.sh DIR.
set -euo pipefail

dir=${1:?usage: kdc-up.sh DIR [PORT] [REALM]}
port=${2:-18800}
realm=${3:-BULWARK.TEST}
export PATH="$PATH:/usr/sbin:/sbin"
for tool in kdb5_util kadmin.local krb5kdc; do
    command -v "$tool" >/dev/null || { echo "kdc-up: $tool is missing (apt-get install krb5-kdc krb5-admin-server krb5-user)" >&2; exit 1; }
done

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ -s "$dir/kdc.pid" ] && kill -0 "$(cat "$dir/kdc.pid")" 2>/dev/null; then
    echo "kdc-up: a KDC from $dir is running already (pid $(cat "$dir/kdc.pid"))" >&2
    exit 1
fi
# A fresh realm each time: no database, keytab or replay cache from an earlier run.
rm -rf "$dir/db" "$dir/rcache" "$dir"/*.keytab "$dir"/*.log "$dir/kdc.pid"
mkdir -p "$dir/db" "$dir/rcache"
chmod 700 "$dir/db" "$dir/rcache"

# Client and acceptor settings. Names are taken literally: no DNS canonicalisation or
# reverse lookups, so `localhost` stays `localhost`; TCP always (udp_preference_limit=1).
cat >"$dir/krb5.conf" <<CONF
[libdefaults]
    default_realm = $realm
    dns_lookup_realm = false
    dns_lookup_kdc = false
    dns_canonicalize_hostname = false
    rdns = false
    udp_preference_limit = 1
    ticket_lifetime = 10h
    forwardable = false

[realms]
    $realm = {
        kdc = 127.0.0.1:$port
    }

[domain_realm]
    localhost = $realm
    127.0.0.1 = $realm
CONF

cat >"$dir/kdc.conf" <<CONF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$port
    kdc_tcp_listen = 127.0.0.1:$port

[realms]
    $realm = {
        database_name = $dir/db/principal
        key_stash_file = $dir/db/stash
        acl_file = $dir/db/kadm5.acl
        max_life = 10h
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
    }

[logging]
    kdc = FILE:$dir/kdc.log
CONF
: >"$dir/db/kadm5.acl"

export KRB5_CONFIG="$dir/krb5.conf" KRB5_KDC_PROFILE="$dir/kdc.conf"
# The master password only protects this throwaway database; it is stashed and forgotten.
kdb5_util -r "$realm" create -s -P "$(head -c 24 /dev/urandom | base64)" >"$dir/setup.log" 2>&1

admin() { kadmin.local -r "$realm" -q "$1" >>"$dir/setup.log" 2>&1 || { echo "kdc-up: '$1' failed, see $dir/setup.log" >&2; exit 1; }; }
for principal in kafka/localhost other/localhost kafka/127.0.0.1 alice bob; do
    admin "addprinc -randkey $principal@$realm"
done
admin "ktadd -k $dir/kafka.keytab kafka/localhost@$realm"
admin "ktadd -k $dir/other.keytab other/localhost@$realm"
admin "ktadd -k $dir/alice.keytab alice@$realm"
admin "ktadd -k $dir/bob.keytab bob@$realm"
chmod 600 "$dir"/*.keytab

# krb5kdc forks into the background once its sockets are bound; -P records the daemon's pid.
krb5kdc -r "$realm" -P "$dir/kdc.pid" >>"$dir/setup.log" 2>&1
for _ in $(seq 1 100); do
    if [ -s "$dir/kdc.pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        break
    fi
    sleep 0.05
done
if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "kdc-up: the KDC is not answering on 127.0.0.1:$port; see $dir/kdc.log and $dir/setup.log" >&2
    exit 1
fi

cat >"$dir/env.sh" <<ENV
export KRB5_CONFIG=$dir/krb5.conf
export KRB5_KDC_PROFILE=$dir/kdc.conf
export KRB5RCACHEDIR=$dir/rcache
export KDC_REALM=$realm
export KDC_PORT=$port
export KDC_DIR=$dir
ENV
cat "$dir/env.sh"
