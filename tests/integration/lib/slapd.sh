# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# slapd.sh -- run private, throw-away OpenLDAP slapd instances for ad2relay's
# integration tests.  Source it from a bash test script:
#
#     . "$srcdir/tests/integration/lib/slapd.sh"
#     dir=$(mktemp -d) ; trap 'slapd_stop "$dir"; rm -rf "$dir"' EXIT
#     slapd_setup "$dir"
#     python3 "$SLAPD_LIBDIR/gen-ad-ldif.py" --users 3000 --out "$dir/d.ldif" \
#         --expected "$dir/expected.txt"
#     slapd_load "$dir" "$dir/d.ldif"
#     slapd_start "$dir"
#     ldapsearch -x -H "$SLAPD_URI" -D "$SLAPD_BINDDN" -w "$SLAPD_PW" ...
#
# Every instance lives entirely inside its own directory DIR (config, mdb
# database, TLS material, ldapi socket, pid file, log) and listens only on
# 127.0.0.1 on ports chosen at start, so instances of parallel tests
# (make -j) never meet.  Nothing under /etc is read or written except the
# stock schema files in /etc/ldap/schema.  Processes are stopped by PID only.
#
# The directory imitates Active Directory where ad2relay cares:
#   * suffix dc=corp,dc=example,dc=com, advertised in the rootDSE
#     (namingContexts; there is no defaultNamingContext),
#   * AD-like schema (tests/data/slapd/ad.schema): user/computer/group/
#     contact/publicFolder/msExchDynamicDistributionList, proxyAddresses,
#     userAccountControl (bitwise filters 1.2.840.113556.1.4.803/804 work),
#   * AD's MaxPageSize: a plain search returns at most 1000 entries and then
#     sizeLimitExceeded (4); a paged search with page size <= 1000 returns
#     everything; page size > 1000 fails with adminLimitExceeded (11).
#
# Functions (each documented where it is defined):
#   free_port                        print a free TCP port on 127.0.0.1
#   slapd_setup DIR                  config, schema, TLS, base entries
#   slapd_use_cert DIR NAME          server|wrong|untrusted|expired (next start)
#   slapd_load DIR FILE.ldif         slapadd while stopped
#   slapd_start DIR [PORT [PORT_S]]  start, wait, export SLAPD_*URI, SLAPD_PID
#   slapd_stop DIR                   stop by PID, wait
#   slapd_restart DIR                stop + start on the same ports
#   slapd_is_running DIR             status
#   slapd_env DIR                    re-export the variables of instance DIR
#   faultproxy_start DIR NAME OPT... run faultproxy.py, export FAULTPROXY_*
#   faultproxy_stop DIR NAME         stop it by PID
#
# The functions return non-zero and print "slapd.sh: ..." on stderr on
# failure; they do not exit, so they work with or without `set -e`.
#
# Environment knobs (optional, read when the function runs):
#   SLAPD_BIN, SLAPADD_BIN   slapd / slapadd binaries (default: PATH, /usr/sbin)
#   SLAPD_LOGLEVEL           slapd debug level (-d) used by slapd_start
#                            (default "stats": one line per connection and
#                            operation in DIR/slapd.log, never per entry;
#                            0 for silence).  Nothing goes to syslog.
#   SLAPD_ANON               "deny" before slapd_setup: refuse anonymous binds
#   SLAPD_START_TIMEOUT      seconds slapd_start waits for an answer (10)
#   PYTHON3                  python interpreter (default /usr/bin/python3)

# Directory holding this library (and gen-ad-ldif.py, faultproxy.py).
SLAPD_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# pid_alive, pid_wait_gone, free_port
# shellcheck source=proc.sh
. "$SLAPD_LIBDIR/proc.sh"
# AD-like schema shipped with the tests.
SLAPD_AD_SCHEMA=${SLAPD_AD_SCHEMA:-$(cd "$SLAPD_LIBDIR/../../data/slapd" 2>/dev/null && pwd)/ad.schema}
export SLAPD_LIBDIR SLAPD_AD_SCHEMA

# Fixed facts about every instance (exported by slapd_setup as well).
SLAPD_BASE='dc=corp,dc=example,dc=com'
SLAPD_BINDDN='cn=svc-relay,ou=Service,dc=corp,dc=example,dc=com'
SLAPD_PW='s3cret-Pw'
SLAPD_ROOTDN='cn=admin,dc=corp,dc=example,dc=com'
SLAPD_ROOTPW='admin-Pw'
export SLAPD_BASE SLAPD_BINDDN SLAPD_PW SLAPD_ROOTDN SLAPD_ROOTPW

: "${PYTHON3:=/usr/bin/python3}"
[ -x "$PYTHON3" ] || PYTHON3=python3

_slapd_err() { printf 'slapd.sh: %s\n' "$*" >&2; }

# _slapd_bin NAME -- path of an OpenLDAP server binary ($SLAPD_BIN /
# $SLAPADD_BIN, else PATH, else /usr/sbin).
_slapd_bin() {
    local p=
    case $1 in
        slapd) p=${SLAPD_BIN:-} ;;
        slapadd) p=${SLAPADD_BIN:-} ;;
    esac
    [ -z "$p" ] || { printf '%s\n' "$p"; return 0; }
    p=$(command -v "$1" 2>/dev/null) || p=
    [ -n "$p" ] || [ ! -x "/usr/sbin/$1" ] || p=/usr/sbin/$1
    [ -n "$p" ] || { _slapd_err "$1 not found"; return 1; }
    printf '%s\n' "$p"
}

# _slapd_urlencode STRING -- percent-encode everything but [A-Za-z0-9._~-]
# (for ldapi:// URLs, whose host part is the socket path).
_slapd_urlencode() {
    local LC_ALL=C s=$1 out='' c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            [A-Za-z0-9._~-]) out+=$c ;;
            *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s' "$out"
}

# free_port (proc.sh)
#   Print a TCP port on 127.0.0.1 that is free right now.  Another process
#   may still take it before you bind it; slapd_start retries with new
#   ports when it chose them itself.

# _slapd_pid_is_ours DIR PID -- true if PID is a slapd using DIR/slapd.conf
# (guards against killing an unrelated process that reused a stale PID).
_slapd_pid_is_ours() {
    local cmd
    cmd=$(tr '\0' ' ' <"/proc/$2/cmdline" 2>/dev/null) || return 1
    case $cmd in *slapd*"$1/slapd.conf"*) return 0 ;; esac
    return 1
}

# _slapd_gen_tls DIR
#   Create DIR/tls with openssl (EC P-256, valid 10 years):
#     ca.pem, ca.key           test CA ("ad2relay test CA")
#     server.pem, server.key   CN=localhost, SAN DNS:localhost, IP:127.0.0.1
#                              (+ DNS:<this machine's name>, see below)
#     wrong.pem, wrong.key     same CA, CN/SAN wrong.example only
#     other-ca.pem, other-ca.key  a second CA that nobody trusts
#     untrusted.pem, .key      CN/SAN localhost + 127.0.0.1, signed by other-ca
#     expired.pem, .key        CN/SAN localhost + 127.0.0.1, signed by ca,
#                              valid only in January 2020
#     client.pem, client.key   client certificate CN=relay-client, signed
#                              by ca (slapd maps it to svc-relay, see
#                              slapd_setup)
#     client-untrusted.pem, .key  CN=relay-client, signed by other-ca
#     client-expired.pem, .key CN=relay-client, signed by ca, valid only
#                              in January 2020
_slapd_gen_tls() {
    local t=$1/tls name san host canon
    # libldap checks a server certificate for "localhost" against the
    # machine's own name (ldap_pvt_get_fqdn), not "localhost": put that
    # name into the SAN too, so ldap://localhost:PORT works with TLS.
    san='DNS:localhost, IP:127.0.0.1'
    host=$(uname -n 2>/dev/null) || host=
    canon=$(timeout 2 getent hosts "$host" 2>/dev/null | awk '{print $2; exit}') || canon=
    for name in "$host" "$canon"; do
        case $name in ''|localhost|*[!A-Za-z0-9.-]*) ;; *) san="$san, DNS:$name" ;; esac
    done
    mkdir -p "$t/newcerts" || return 1
    : >"$t/index.txt"
    echo 1000 >"$t/serial"
    cat >"$t/openssl.cnf" <<EOF
# private openssl configuration for the test PKI (not /etc/ssl/openssl.cnf)
[req]
distinguished_name = req_dn
prompt = no
[req_dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[localhost_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $san
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[wrong_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:wrong.example
[ca]
default_ca = testca
[testca]
dir = $t
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
EOF
    (
        set -e
        cd "$t"
        export OPENSSL_CONF=$t/openssl.cnf
        key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
        ca() {  # ca NAME CN
            key "$1.key"
            openssl req -new -x509 -key "$1.key" -out "$1.pem" -days 3650 \
                -subj "/CN=$2" -config openssl.cnf -extensions ca_ext -sha256
        }
        leaf() {  # leaf NAME CN EXT CA-NAME
            key "$1.key"
            openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2" -config openssl.cnf
            openssl x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4.key" \
                -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
                -days 3650 -sha256 -extfile openssl.cnf -extensions "$3" \
                -out "$1.pem" 2>/dev/null
            rm -f "$1.csr"
        }
        ca ca "ad2relay test CA"
        ca other-ca "ad2relay untrusted CA"
        leaf server localhost localhost_ext ca
        leaf wrong wrong.example wrong_ext ca
        leaf untrusted localhost localhost_ext other-ca
        leaf client relay-client client_ext ca
        leaf client-untrusted relay-client client_ext other-ca
        # A certificate that expired long ago needs `openssl ca` for its dates.
        key expired.key
        openssl req -new -key expired.key -out expired.csr -subj /CN=localhost -config openssl.cnf
        openssl ca -batch -config openssl.cnf -name testca -cert ca.pem -keyfile ca.key \
            -in expired.csr -out expired.pem -notext -extensions localhost_ext \
            -startdate 20200101000000Z -enddate 20200201000000Z 2>/dev/null
        rm -f expired.csr
        key client-expired.key
        openssl req -new -key client-expired.key -out client-expired.csr \
            -subj /CN=relay-client -config openssl.cnf
        openssl ca -batch -config openssl.cnf -name testca -cert ca.pem -keyfile ca.key \
            -in client-expired.csr -out client-expired.pem -notext -extensions client_ext \
            -startdate 20200101000000Z -enddate 20200201000000Z 2>/dev/null
        rm -f client-expired.csr
        chmod 600 ./*.key
    ) || { _slapd_err "TLS material generation failed in $t"; return 1; }
    for name in ca server wrong other-ca untrusted expired client client-untrusted \
        client-expired; do
        [ -s "$t/$name.pem" ] || { _slapd_err "missing $t/$name.pem"; return 1; }
    done
}

# slapd_use_cert DIR NAME
#   Choose the certificate the instance presents from its next start on.
#   NAME: server (default: CN/SAN localhost + 127.0.0.1, signed by ca.pem),
#   wrong (SAN wrong.example, signed by ca.pem), untrusted (localhost, signed
#   by other-ca.pem), expired (localhost, signed by ca.pem, expired 2020).
#   A running instance must be restarted (slapd_restart DIR) to pick it up.
#   Client certificates: TLSVerifyClient $SLAPD_VERIFY_CLIENT (never, allow,
#   try or demand; default never), checked against ca.pem.
slapd_use_cert() {
    local dir=$1 name=${2:-server}
    if [ ! -f "$dir/tls/$name.pem" ] || [ ! -f "$dir/tls/$name.key" ]; then
        _slapd_err "no certificate '$name' in $dir/tls"
        return 1
    fi
    cat >"$dir/tls.conf" <<EOF
# written by slapd_use_cert: certificate presented by this instance
TLSCACertificateFile  $dir/tls/ca.pem
TLSCertificateFile    $dir/tls/$name.pem
TLSCertificateKeyFile $dir/tls/$name.key
TLSVerifyClient ${SLAPD_VERIFY_CLIENT:-never}
EOF
}

# slapd_setup DIR
#   Prepare an instance in the (existing, preferably empty, mktemp -d) DIR:
#   DIR/slapd.conf (mdb backend, suffix $SLAPD_BASE, AD-like schema, ACLs,
#   AD-like size limits, SASL EXTERNAL mapping), DIR/tls/* (see
#   _slapd_gen_tls), DIR/db, and the base entries loaded with slapadd:
#     dc=corp,dc=example,dc=com
#     ou=Service,dc=corp,dc=example,dc=com
#     cn=svc-relay,ou=Service,...   userPassword s3cret-Pw, no mail
#   Access: everybody (anonymous too, unless SLAPD_ANON=deny) may read
#   everything but userPassword; svc-relay binds with its password; the
#   rootdn $SLAPD_ROOTDN / $SLAPD_ROOTPW may write (ldapadd/ldapmodify
#   while running) and is exempt from size limits.  Over ldapi://, SASL
#   EXTERNAL as the current user (root: gidNumber=0+uidNumber=0,cn=peercred,
#   cn=external,cn=auth) is mapped to svc-relay; over TLS, SASL EXTERNAL
#   with the client certificate tls/client.pem (cn=relay-client) is mapped
#   to svc-relay too (slapd asks for it with SLAPD_VERIFY_CLIENT=try).
#   Also writes DIR/bindpw (mode 600, the password without newline).
#   Exports SLAPD_BASE SLAPD_BINDDN SLAPD_PW SLAPD_ROOTDN SLAPD_ROOTPW
#   SLAPD_PWFILE SLAPD_CACERT.
slapd_setup() {
    local dir=${1:?usage: slapd_setup DIR} slapadd mod='' d anon_line='' uid gid
    [ -d "$dir" ] || { _slapd_err "$dir: no such directory"; return 1; }
    dir=$(cd "$dir" && pwd) || return 1
    [ -f "$SLAPD_AD_SCHEMA" ] || { _slapd_err "schema not found: $SLAPD_AD_SCHEMA"; return 1; }
    slapadd=$(_slapd_bin slapadd) || return 1
    mkdir -p "$dir/db" || return 1
    _slapd_gen_tls "$dir" || return 1
    slapd_use_cert "$dir" server || return 1

    # Debian builds the backends as modules; other builds link them in.
    for d in /usr/lib/ldap /usr/lib64/openldap /usr/lib/openldap /usr/libexec/openldap \
             /usr/lib/x86_64-linux-gnu/ldap /usr/local/libexec/openldap; do
        if [ -e "$d/back_mdb.la" ] || [ -e "$d/back_mdb.so" ]; then
            mod="modulepath $d
moduleload back_mdb"
            break
        fi
    done
    [ "${SLAPD_ANON:-}" = deny ] && anon_line='disallow bind_anon
require authc'
    uid=$(id -u) gid=$(id -g)

    cat >"$dir/slapd.conf" <<EOF
# slapd.conf written by tests/integration/lib/slapd.sh for $dir
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include $SLAPD_AD_SCHEMA

pidfile  $dir/slapd.pid.slapd
argsfile $dir/slapd.args
# Nothing to syslog: slapd_start passes -d \$SLAPD_LOGLEVEL for stderr.
loglevel 0
$mod
$anon_line
include $dir/tls.conf

# SASL EXTERNAL over ldapi: the peer's uid/gid become this DN; map the user
# running the tests (root: gidNumber=0+uidNumber=0) to the service account.
authz-regexp "^gidNumber=$gid\\\\+uidNumber=$uid,cn=peercred,cn=external,cn=auth\$"
    "$SLAPD_BINDDN"
# SASL EXTERNAL over TLS: the subject of a client certificate of the test CA
authz-regexp "^cn=relay-client\$" "$SLAPD_BINDDN"

database mdb
suffix   "$SLAPD_BASE"
rootdn   "$SLAPD_ROOTDN"
rootpw   $SLAPD_ROOTPW
directory $dir/db
maxsize  17179869184
dbnosync
index objectClass eq
index proxyAddresses,mail eq,pres
index userAccountControl eq

# Active Directory's MaxPageSize = 1000: a plain search stops after 1000
# entries with sizeLimitExceeded, a paged search (page size <= 1000) may
# return everything, a page size > 1000 is refused (adminLimitExceeded).
limits * size.soft=1000 size.hard=1000 size.pr=1000 size.prtotal=unlimited

access to attrs=userPassword
    by anonymous auth
    by self auth
    by * none
access to *
    by * read
EOF

    cat >"$dir/base.ldif" <<EOF
dn: $SLAPD_BASE
objectClass: top
objectClass: domain
dc: corp

dn: ou=Service,$SLAPD_BASE
objectClass: top
objectClass: organizationalUnit
ou: Service

dn: $SLAPD_BINDDN
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: user
cn: svc-relay
sn: svc-relay
displayName: Postfix relay map export
sAMAccountName: svc-relay
userPrincipalName: svc-relay@corp.example.com
userAccountControl: 66048
userPassword: $SLAPD_PW
EOF
    "$slapadd" -q -f "$dir/slapd.conf" -l "$dir/base.ldif" >"$dir/slapadd.log" 2>&1 ||
        { _slapd_err "slapadd of base entries failed:"; cat "$dir/slapadd.log" >&2; return 1; }

    (umask 077 && printf '%s' "$SLAPD_PW" >"$dir/bindpw") || return 1
    SLAPD_PWFILE=$dir/bindpw
    SLAPD_CACERT=$dir/tls/ca.pem
    export SLAPD_BASE SLAPD_BINDDN SLAPD_PW SLAPD_ROOTDN SLAPD_ROOTPW SLAPD_PWFILE SLAPD_CACERT
}

# slapd_load DIR FILE.ldif
#   Add the entries of FILE.ldif to the (stopped) instance with slapadd -q:
#   fast (tens of thousands of entries per second), no server needed.
#   Entries must not exist yet: the generator's output does not contain the
#   base entry nor ou=Service, which slapd_setup already created.
#   Use ldapadd -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" on a running instance.
slapd_load() {
    local dir=${1:?usage: slapd_load DIR FILE} file=${2:?usage: slapd_load DIR FILE} slapadd pid
    dir=$(cd "$dir" && pwd) || return 1
    [ -r "$file" ] || { _slapd_err "cannot read $file"; return 1; }
    pid=$(cat "$dir/slapd.pid" 2>/dev/null) || pid=
    if [ -n "$pid" ] && pid_alive "$pid"; then
        _slapd_err "slapd_load: instance in $dir is running (pid $pid); stop it first"
        return 1
    fi
    slapadd=$(_slapd_bin slapadd) || return 1
    "$slapadd" -q -f "$dir/slapd.conf" -l "$file" >>"$dir/slapadd.log" 2>&1 ||
        { _slapd_err "slapadd $file failed:"; tail -n 20 "$dir/slapadd.log" >&2; return 1; }
}

# _slapd_ready URI -- true when the server answers (any LDAP result, even
# "anonymous bind disallowed"; client-side errors like "can't contact" are
# negative codes, i.e. exit status >= 128).
_slapd_ready() {
    local rc=0
    LDAPNOINIT=1 ldapsearch -x -H "$1" -o nettimeout=1 -l 2 -b '' -s base \
        '(objectClass=*)' namingContexts >/dev/null 2>&1 || rc=$?
    [ "$rc" -lt 128 ]
}

# slapd_env DIR
#   (Re-)export the variables of the instance in DIR, as slapd_start set
#   them: handy when a test runs several instances.
slapd_env() {
    local dir=${1:?usage: slapd_env DIR}
    [ -f "$dir/env" ] || { _slapd_err "$dir was never started"; return 1; }
    # shellcheck disable=SC1091
    . "$dir/env"
}

# slapd_start DIR [PORT_LDAP] [PORT_LDAPS]
#   Start the instance prepared by slapd_setup, listening on
#     ldap://127.0.0.1:PORT_LDAP   (StartTLS available)
#     ldaps://127.0.0.1:PORT_LDAPS
#     ldapi://DIR%2Fldapi          (URL-encoded socket path DIR/ldapi)
#   Ports: the given ones; else those of the previous start of this DIR
#   (DIR/ports), so stop+start keeps its URIs; else free ones (retrying with
#   other ports if one was taken meanwhile).  slapd runs in the foreground
#   (-d $SLAPD_LOGLEVEL) as a background job; stdout/stderr go to DIR/slapd.log.
#   Waits until the rootDSE answers on ldapi:// and ldap://
#   (SLAPD_START_TIMEOUT, default 10 s; it usually takes 0.1 s).
#   Writes DIR/slapd.pid, DIR/ports, DIR/env; exports SLAPD_URI,
#   SLAPD_LDAPS_URI, SLAPD_LDAPI_URI, SLAPD_PID, SLAPD_PORT,
#   SLAPD_LDAPS_PORT, SLAPD_DIR (and the slapd_setup variables).
slapd_start() {
    local dir=${1:?usage: slapd_start DIR [PORT_LDAP] [PORT_LDAPS]}
    local g1=${2:-} g2=${3:-} p1 p2 slapd sock auto=0 pid uri suri iuri deadline logsize
    dir=$(cd "$dir" && pwd) || return 1
    [ -f "$dir/slapd.conf" ] || { _slapd_err "$dir: run slapd_setup first"; return 1; }
    slapd=$(_slapd_bin slapd) || return 1
    pid=$(cat "$dir/slapd.pid" 2>/dev/null) || pid=
    if [ -n "$pid" ] && pid_alive "$pid" && _slapd_pid_is_ours "$dir" "$pid"; then
        _slapd_err "instance in $dir already running (pid $pid)"
        return 1
    fi
    if [ -z "$g1" ] && [ -z "$g2" ] && [ -f "$dir/ports" ]; then
        read -r g1 g2 <"$dir/ports"
    fi
    [ -n "$g1" ] && [ -n "$g2" ] || auto=1
    p1=$g1 p2=$g2
    sock=$dir/ldapi
    # sun_path holds 108 bytes; keep TMPDIR short.
    [ ${#sock} -lt 100 ] || { _slapd_err "socket path too long: $sock"; return 1; }
    iuri="ldapi://$(_slapd_urlencode "$sock")"

    for _ in 1 2 3 4 5; do
        if [ "$auto" = 1 ]; then    # pick the ports not given, anew each try
            [ -n "$g1" ] || p1=$(free_port) || return 1
            [ -n "$g2" ] || p2=$(free_port) || return 1
            while [ "$p1" = "$p2" ]; do
                if [ -z "$g2" ]; then p2=$(free_port); else p1=$(free_port); fi || return 1
            done
        fi
        uri="ldap://127.0.0.1:$p1"
        suri="ldaps://127.0.0.1:$p2"
        rm -f "$sock" "$dir/slapd.pid"
        : >>"$dir/slapd.log"
        logsize=$(wc -c <"$dir/slapd.log")
        {
            printf '\n=== %s slapd_start %s %s %s\n' "$(date '+%F %T')" "$uri" "$suri" "$iuri"
        } >>"$dir/slapd.log"
        # -d: stay in the foreground (so $! is slapd itself); the debug level
        # (default "stats": connections and operations, not entries) goes to
        # stderr = DIR/slapd.log.
        "$slapd" -d "${SLAPD_LOGLEVEL:-stats}" -f "$dir/slapd.conf" -h "$uri/ $suri/ $iuri/" \
            </dev/null >>"$dir/slapd.log" 2>&1 &
        pid=$!
        echo "$pid" >"$dir/slapd.pid"
        deadline=$((SECONDS + ${SLAPD_START_TIMEOUT:-10}))
        while :; do
            if ! pid_alive "$pid"; then
                wait "$pid" 2>/dev/null || true
                rm -f "$dir/slapd.pid"
                break
            fi
            # Ask over our own ldapi socket: a TCP port could be answered by
            # another server that holds it.  slapd opens all its listeners
            # before it serves any, and exits if one cannot be bound.
            if _slapd_ready "$iuri" && pid_alive "$pid" && _slapd_ready "$uri"; then
                echo "$p1 $p2" >"$dir/ports"
                cat >"$dir/env" <<EOF
SLAPD_DIR='$dir'
SLAPD_PID='$pid'
SLAPD_PORT='$p1'
SLAPD_LDAPS_PORT='$p2'
SLAPD_URI='$uri'
SLAPD_LDAPS_URI='$suri'
SLAPD_LDAPI_URI='$iuri'
SLAPD_PWFILE='$dir/bindpw'
SLAPD_CACERT='$dir/tls/ca.pem'
export SLAPD_DIR SLAPD_PID SLAPD_PORT SLAPD_LDAPS_PORT SLAPD_URI SLAPD_LDAPS_URI SLAPD_LDAPI_URI SLAPD_PWFILE SLAPD_CACERT
EOF
                slapd_env "$dir"
                return 0
            fi
            if [ "$SECONDS" -ge "$deadline" ]; then
                _slapd_err "slapd in $dir (pid $pid) did not answer on $iuri; log:"
                tail -n 20 "$dir/slapd.log" >&2
                slapd_stop "$dir"
                return 1
            fi
            sleep 0.05
        done
        # slapd died during start-up: retry only when a port we picked
        # ourselves was taken in the meantime.
        if [ "$auto" = 1 ] &&
            tail -c "+$((logsize + 1))" "$dir/slapd.log" | grep -q 'Address already in use'; then
            continue
        fi
        break
    done
    _slapd_err "slapd in $dir failed to start; log:"
    tail -n 20 "$dir/slapd.log" >&2
    return 1
}

# slapd_stop DIR
#   Stop the instance of DIR: SIGTERM to the PID in DIR/slapd.pid (only if
#   that PID is a slapd running DIR/slapd.conf), wait for it to exit (up to
#   10 s, then SIGKILL).  Succeeds if nothing runs.  Safe in EXIT traps.
slapd_stop() {
    local dir=${1:?usage: slapd_stop DIR} pid
    [ -d "$dir" ] || return 0
    dir=$(cd "$dir" && pwd) || return 0
    pid=$(cat "$dir/slapd.pid" 2>/dev/null) || pid=
    [ -n "$pid" ] || return 0
    if pid_alive "$pid" && _slapd_pid_is_ours "$dir" "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        if ! pid_wait_gone "$pid" 10; then
            _slapd_err "slapd pid $pid ignored SIGTERM; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            pid_wait_gone "$pid" 5 || true
        fi
    fi
    # Reap it if it is our child (no-op otherwise).
    wait "$pid" 2>/dev/null || true
    rm -f "$dir/slapd.pid" "$dir/ldapi"
    return 0
}

# slapd_restart DIR
#   Stop and start again on the same ports (same URIs).
slapd_restart() {
    slapd_stop "$1" && slapd_start "$1"
}

# slapd_is_running DIR -- true if the instance of DIR is up.
slapd_is_running() {
    local pid
    pid=$(cat "$1/slapd.pid" 2>/dev/null) || return 1
    pid_alive "$pid" && _slapd_pid_is_ours "$(cd "$1" && pwd)" "$pid"
}

# faultproxy_start DIR NAME [faultproxy.py options...]
#   Start tests/integration/lib/faultproxy.py in the background (e.g.
#   faultproxy_start "$dir" hang --mode forward --to "127.0.0.1:$SLAPD_PORT"
#   --hang-after-bind), wait until it listens, record its PID in
#   DIR/NAME.pid, its port in DIR/NAME.port, its log in DIR/NAME.log.
#   Exports FAULTPROXY_PORT, FAULTPROXY_PID, FAULTPROXY_URI (ldap://...).
faultproxy_start() {
    local dir=${1:?usage: faultproxy_start DIR NAME OPTIONS...} name=${2:?usage: faultproxy_start DIR NAME OPTIONS...} pid i
    shift 2
    rm -f "$dir/$name.port"
    # (its own messages go to --log; stderr catches a Python traceback)
    # shellcheck disable=SC2094
    "$PYTHON3" "$SLAPD_LIBDIR/faultproxy.py" "$@" --port-file "$dir/$name.port" \
        --log "$dir/$name.log" </dev/null >/dev/null 2>>"$dir/$name.log" &
    pid=$!
    echo "$pid" >"$dir/$name.pid"
    for ((i = 0; i < 200; i++)); do
        [ -s "$dir/$name.port" ] && break
        pid_alive "$pid" || break
        sleep 0.025
    done
    if [ ! -s "$dir/$name.port" ]; then
        _slapd_err "faultproxy $name did not start; log:"
        cat "$dir/$name.log" >&2
        faultproxy_stop "$dir" "$name"
        return 1
    fi
    FAULTPROXY_PID=$pid
    FAULTPROXY_PORT=$(cat "$dir/$name.port")
    FAULTPROXY_URI=ldap://127.0.0.1:$FAULTPROXY_PORT
    export FAULTPROXY_PID FAULTPROXY_PORT FAULTPROXY_URI
}

# faultproxy_stop DIR NAME
#   Stop the proxy started by faultproxy_start DIR NAME (by its PID, after
#   checking it is that faultproxy.py) and wait for it.  Safe in EXIT traps.
faultproxy_stop() {
    local dir=${1:?usage: faultproxy_stop DIR NAME} name=${2:?usage: faultproxy_stop DIR NAME} pid
    pid=$(cat "$dir/$name.pid" 2>/dev/null) || return 0
    if pid_alive "$pid" && grep -q faultproxy "/proc/$pid/cmdline" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        pid_wait_gone "$pid" 2 || kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    rm -f "$dir/$name.pid"
    return 0
}
