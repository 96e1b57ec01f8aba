# SPDX-License-Identifier: BSD-2-Clause
# samba.sh -- run a real Samba AD domain controller for ad2relay's
# integration tests (bash; source it).
#
# Everything Samba does happens inside a private network namespace: the
# test's own loopback (127.0.0.1, and 127.0.0.2 for the DC), a private /etc
# (hosts, resolv.conf pointing at Samba's internal DNS, optionally
# krb5.conf / krb5.keytab), its own UTS name ("gateway") and its own PID
# namespace, so nothing a test starts can reach or be reached from outside
# the machine, and nothing survives the test.  The machine's /etc is never
# written.
#
# A test script starts like this (tests/integration/lib/samba-test.sh does
# it for ad2relay's Samba tests):
#
#   . "$top_srcdir/tests/integration/lib/samba.sh"
#   samba_require                       # exit 77 (skip) when Samba is missing
#   samba_reexec_in_ns "$@"             # re-runs this script in the namespace
#   . "$top_srcdir/tests/integration/lib/common.sh"   # (after the re-exec)
#   samba_fixture "$T/dc"               # cached, populated, stopped DC
#   samba_start "$T/dc"; on_exit samba_stop "$T/dc"
#   samba_client_env "$T/dc"            # KRB5_CONFIG, KRB5CCNAME
#   ... ad2relay --uri ldaps://dc1.corp.example.com ...
#
# Functions (DIR is a directory per DC instance; all paths below are in it):
#   samba_require                 skip (exit 77) unless root + Samba + tools
#   samba_in_ns                   true inside a namespace made by this file
#   samba_reexec_in_ns "$@"       outside: run "$BASH $0 $@" in a new
#                                 namespace, exit with its status; inside: no-op
#   samba_ns_exec DIR CMD...      run CMD in the test's namespace (a fresh
#                                 one-shot namespace when called outside) with
#                                 the client environment of DIR
#   samba_provision DIR           provision CORP.EXAMPLE.COM into DIR/state,
#                                 write DIR/smb.conf + DIR/krb5.conf, create
#                                 the ldap/ SPNs (samba_spnupdate)
#   samba_populate DIR [N]        add the test directory (N staff users,
#                                 default $SAMBA_USERS = 2500) while stopped;
#                                 writes DIR/expected.txt,
#                                 DIR/expected-enabled.txt, DIR/stats,
#                                 DIR/svc.keytab, DIR/krb5.keytab
#   samba_fixture DIR [N]         copy a cached provisioned+populated stopped
#                                 DC into DIR (~0.1 s; only smb.conf holds
#                                 absolute paths and is rewritten for DIR)
#   samba_cache [N]               print the cache directory
#                                 ($SAMBA_CACHE/<hash of samba.sh,
#                                 samba-populate.py, exchange-schema.ldif,
#                                 samba -V, N>), building it when missing:
#                                 once, under flock, in a namespace of its own
#   samba_start DIR               start samba, wait for LDAP 389/636, LDAPS
#                                 TLS, KDC 88, DNS 53 (SAMBA_START_TIMEOUT)
#   samba_stop DIR                stop it by PID (TERM, then KILL its process
#                                 group), wait until it is gone
#   samba_client_env DIR          export KRB5_CONFIG=DIR/krb5.conf and
#                                 KRB5CCNAME=FILE:DIR/krb5cc
#   samba_kinit DIR KEYTAB PRINC  kinit -k into DIR/krb5cc
#   samba_tool DIR SUBCMD...      samba-tool ... -s DIR/smb.conf (local sam.ldb)
#   samba_ldapsearch DIR ARGS...  ldapsearch -LLL over LDAPS as svc-relay
#   samba_ldapmodify DIR ARGS...  ldapmodify over LDAPS as Administrator
#   samba_etc_install DIR [--keytab]  put DIR/krb5.conf (and DIR/krb5.keytab)
#                                 at /etc/krb5.conf (/etc/krb5.keytab) of the
#                                 namespace's private /etc ("domain-joined box")
#   samba_deps_install            the Debian packages and debconf preseeds
#
# Files in DIR:
#   smb.conf krb5.conf            Samba's config; client krb5.conf (rdns =
#                                 false, dns_canonicalize_hostname = false)
#   state/                        provisioned Samba state (--targetdir)
#   ca.pem                        CA of Samba's self-signed LDAPS certificate
#                                 (copy of state/private/tls/ca.pem)
#   svc.keytab svc.pw             svc-relay@CORP.EXAMPLE.COM key / password
#   krb5.keytab gateway.pw        GATEWAY$@CORP.EXAMPLE.COM (+ host/ SPNs)
#   admin.pw                      Administrator password
#   expected.txt expected-enabled.txt stats   what ad2relay must export
#   samba.pid samba.log           while running / its output
#   timings                       provision/populate/start/copy times (ms)
# Password files hold the password without a trailing newline (ldapsearch
# -y and bindpw_file style).  What the directory holds: samba-populate.py.
#
# The namespace: lo up, 127.0.0.2 = dc1.corp.example.com (samba listens
# there only: 53, 88, 135, 389, 464, 636, 3268, 3269), 127.0.0.3 =
# dc2.corp.example.com where nothing listens (a dead DC: connection
# refused), 127.0.1.1 = gateway.corp.example.com (this "box").  resolv.conf
# names 127.0.0.2: SRV records (_ldap._tcp.corp.example.com, ...) come from
# Samba's internal DNS, which has no forwarder.  /etc is an overlay on a
# tmpfs (writable, private; a test may append to /etc/hosts).  The test
# script runs as a child of the namespace's PID 1 (this file, --ns-init):
# SIGTERM/SIGINT/SIGHUP to the outer script reach the test as SIGTERM, its
# traps run, and when it exits every process left in the namespace is
# killed by the kernel.  (Being an asynchronous child, the test ignores
# SIGINT itself: trap TERM, not INT.)
#
# Client-side notes: Samba demands TLS for simple binds (389 refuses with
# strongAuthRequired) and refuses GSSAPI inside TLS: GSSAPI goes to
# ldap://dc1.corp.example.com:389 with sign/seal.  LDAPTLS_CACERT and
# LDAPSASL_NOCANON are NOT exported by samba_client_env because libldap in
# ad2relay would read them too; pass them per command where wanted.

# shellcheck disable=SC2034  # the SAMBA_* constants are for the tests
SAMBA_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SAMBA_TOP_DIR=$(cd "$SAMBA_LIB_DIR/../../.." && pwd)
SAMBA_DATA_DIR=$SAMBA_TOP_DIR/tests/data/samba
# pid_alive, pid_wait_gone, pgrp_alive, child_wait
# shellcheck source=proc.sh
. "$SAMBA_LIB_DIR/proc.sh"

# The domain.  Everything below is fixed; the cache key covers this file.
SAMBA_REALM=CORP.EXAMPLE.COM
SAMBA_DOMAIN=CORP
SAMBA_DNSDOMAIN=corp.example.com
SAMBA_BASE='DC=corp,DC=example,DC=com'
SAMBA_HOST=dc1
SAMBA_FQDN=dc1.corp.example.com
SAMBA_IP=127.0.0.2
# dc2 resolves (hosts file) but nothing ever listens there: a dead DC.
SAMBA_DEAD_FQDN=dc2.corp.example.com
SAMBA_DEAD_IP=127.0.0.3
SAMBA_CLIENT_HOST=gateway          # the namespace's hostname
SAMBA_CLIENT_IP=127.0.1.1
SAMBA_LDAP_URI=ldap://dc1.corp.example.com
SAMBA_LDAPS_URI=ldaps://dc1.corp.example.com
SAMBA_RELAY_DOMAINS='corp.example.com .corp.example.com example.org'
SAMBA_ADMIN_DN="CN=Administrator,CN=Users,$SAMBA_BASE"
SAMBA_ADMIN_PASS='Corp-Admin.Pass1'
SAMBA_SVC_USER=svc-relay
SAMBA_SVC_DN="CN=svc-relay,OU=Service Accounts,$SAMBA_BASE"
SAMBA_SVC_UPN=svc-relay@corp.example.com
SAMBA_SVC_PRINCIPAL=svc-relay@CORP.EXAMPLE.COM
SAMBA_SVC_PASS='Svc-Relay.Pass1'
SAMBA_MACHINE=GATEWAY
SAMBA_MACHINE_PRINCIPAL='GATEWAY$@CORP.EXAMPLE.COM'
SAMBA_MACHINE_PASS='Gateway-Machine.Pass1'
SAMBA_BIG_DN="CN=Big List,OU=Groups,$SAMBA_BASE"
SAMBA_BIG_VALUES=3000

SAMBA_USERS=${SAMBA_USERS:-2500}
SAMBA_CACHE=${SAMBA_CACHE:-/tmp/ad2relay-samba-cache}
SAMBA_START_TIMEOUT=${SAMBA_START_TIMEOUT:-60}
SAMBA_PYTHON=/usr/bin/python3      # Debian's: python3-samba lives there

_samba_log() { echo "samba.sh: $*" >&2; }

# ------------------------------------------------------------ installation

# samba_deps_install: what the tests need, Samba and Kerberos included, is
# installed by tests/deps.sh --test (one list, one set of debconf preseeds;
# a temporary policy-rc.d keeps smbd, nmbd, winbind and samba-ad-dc from
# starting system-wide).  samba-ad-provision must be named there: it is
# only recommended by samba-ad-dc, but provisioning needs its
# /usr/share/samba/setup; --no-install-recommends keeps krb5-config (and
# its /etc/krb5.conf) out.
samba_deps_install() {
	sh "$SAMBA_TOP_DIR/tests/deps.sh" --test
}

# samba_require: skip the test (exit 77) unless everything is there.
samba_require() {
	local c missing=""
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: Samba tests need root (unshare --net --mount)"
		exit 77
	fi
	for c in unshare ip mount flock samba samba-tool samba_spnupdate ldapsearch \
		kinit klist timeout; do
		command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
	done
	[ -x "$SAMBA_PYTHON" ] && "$SAMBA_PYTHON" -c 'import samba.samdb' 2>/dev/null ||
		missing="$missing python3-samba"
	[ -d /usr/share/samba/setup ] || missing="$missing samba-ad-provision"
	if [ -n "$missing" ]; then
		echo "SKIP: not installed:$missing (tests/deps.sh --test installs them)"
		exit 77
	fi
	if ! unshare --net --mount true 2>/dev/null; then
		echo "SKIP: unshare --net --mount does not work here"
		exit 77
	fi
}

# ------------------------------------------------------------ namespaces

samba_in_ns() {
	[ -n "${SAMBA_NS_NET-}" ] && [ "$SAMBA_NS_NET" = "$(readlink /proc/self/ns/net 2>/dev/null)" ]
}

# _samba_ns_setup: inside a fresh namespace (as its PID 1), before the
# command: loopback up, the DC's address, a private /etc.
_samba_ns_setup() {
	mount --make-rprivate / || return 1
	ip link set lo up || return 1
	ip addr add "$SAMBA_IP/8" dev lo 2>/dev/null || true
	hostname "$SAMBA_CLIENT_HOST" 2>/dev/null || true
	# A private, writable /etc: an overlay whose upper layer is a tmpfs
	# that only this mount namespace can see (lazily unmounted from its
	# temporary mount point, which is removed at once).  Fallback: bind
	# private copies over /etc/hosts and /etc/resolv.conf only
	# (SAMBA_NS_ETC_MODE=bind forces that).
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/samba-etc.XXXXXX") || return 1
	if [ "${SAMBA_NS_ETC_MODE-}" != bind ] && mount -t tmpfs -o mode=0755,size=16m samba-etc "$d" &&
		mkdir "$d/upper" "$d/work" &&
		mount -t overlay samba-etc -o "lowerdir=/etc,upperdir=$d/upper,workdir=$d/work" /etc; then
		umount -l "$d"
		rmdir "$d"
		rm -f /etc/hosts /etc/resolv.conf # may be symlinks in the lower layer
		_samba_hosts >/etc/hosts
		_samba_resolv >/etc/resolv.conf
		rm -f /etc/krb5.conf /etc/krb5.keytab
		SAMBA_NS_ETC=overlay
	else
		# The files live on a tmpfs private to this namespace, lazily
		# unmounted: the bind mounts keep it alive, and the files stay
		# linked, so a nested namespace can bind over them again.
		mountpoint -q "$d" || mount -t tmpfs -o mode=0755,size=1m samba-etc "$d" ||
			true
		_samba_hosts >"$d/hosts"
		_samba_resolv >"$d/resolv.conf"
		if ! mount --bind "$d/hosts" /etc/hosts ||
			! mount --bind "$d/resolv.conf" /etc/resolv.conf; then
			if mountpoint -q "$d"; then umount -l "$d"; fi
			rm -rf "$d"
			return 1
		fi
		if mountpoint -q "$d"; then umount -l "$d"; fi
		rm -rf "$d"
		SAMBA_NS_ETC=bind
	fi
	SAMBA_NS_NET=$(readlink /proc/self/ns/net)
	export SAMBA_NS_NET SAMBA_NS_ETC
}

_samba_hosts() {
	printf '127.0.0.1\tlocalhost\n'
	printf '::1\tlocalhost ip6-localhost ip6-loopback\n'
	printf '%s\t%s %s\n' "$SAMBA_IP" "$SAMBA_FQDN" "$SAMBA_HOST"
	printf '%s\t%s %s\n' "$SAMBA_DEAD_IP" "$SAMBA_DEAD_FQDN" "${SAMBA_DEAD_FQDN%%.*}"
	printf '%s\t%s.%s %s\n' "$SAMBA_CLIENT_IP" "$SAMBA_CLIENT_HOST" "$SAMBA_DNSDOMAIN" "$SAMBA_CLIENT_HOST"
}

_samba_resolv() {
	printf 'nameserver %s\nsearch %s\noptions timeout:2 attempts:2\n' "$SAMBA_IP" "$SAMBA_DNSDOMAIN"
}

# _samba_ns_init CMD...: PID 1 of the namespace.  Runs CMD as its child (so
# that CMD is an ordinary process with ordinary signal handling), forwards
# TERM/INT/HUP to it, and exits with its status; the kernel then kills
# whatever is left in the PID namespace (a samba the test forgot to stop).
_samba_ns_init() {
	_samba_ns_setup || { echo "samba.sh: namespace setup failed" >&2; exit 70; }
	local child rc
	"$@" <&0 &
	child=$!
	trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
	rc=0
	child_wait "$child" || rc=$?
	exit "$rc"
}

# _samba_ns_run CMD...: run CMD in a fresh namespace; returns its status.
# unshare ignores SIGTERM/SIGINT while it waits, so they are forwarded here:
# killing unshare makes the kernel send SIGTERM to the namespace's PID 1
# (--kill-child=SIGTERM), which passes it on to CMD and waits for it.
_samba_ns_run() {
	local up rc=0 saved
	saved=$(trap -p INT TERM HUP)
	unshare --net --mount --uts --pid --fork --mount-proc --kill-child=SIGTERM -- \
		"$BASH" "$SAMBA_LIB_DIR/samba.sh" --ns-init "$@" <&0 &
	up=$!
	trap '_samba_ns_abort '"$up"'; exit 143' TERM
	trap '_samba_ns_abort '"$up"'; exit 130' INT
	trap '_samba_ns_abort '"$up"'; exit 129' HUP
	child_wait "$up" || rc=$?
	trap - INT TERM HUP
	eval "$saved"
	return "$rc"
}

_samba_ns_abort() {
	local up=$1 init i
	init=$(cat "/proc/$up/task/$up/children" 2>/dev/null)
	kill -KILL "$up" 2>/dev/null || true
	{ wait "$up"; } 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do
		if [ -z "$init" ] || [ ! -e "/proc/${init%% *}" ]; then
			break
		fi
		sleep 0.1
	done
}

# samba_reexec_in_ns "$@": call at the top of a test script.
samba_reexec_in_ns() {
	samba_in_ns && return 0
	local rc=0
	_samba_ns_run "$BASH" "$0" "$@" || rc=$?
	exit "$rc"
}

# samba_ns_exec DIR CMD...: CMD in the test's namespace with DIR's client
# environment (KRB5_CONFIG, KRB5CCNAME, LDAPTLS_CACERT, LDAPSASL_NOCANON).
# Called outside a namespace it makes a fresh one for CMD alone (a DC started
# in another namespace is not reachable from there).
samba_ns_exec() {
	local dir=$1
	shift
	if samba_in_ns; then
		KRB5_CONFIG=$dir/krb5.conf KRB5CCNAME=${KRB5CCNAME:-FILE:$dir/krb5cc} \
			LDAPTLS_CACERT=$dir/ca.pem LDAPSASL_NOCANON=on "$@"
	else
		_samba_ns_run env KRB5_CONFIG="$dir/krb5.conf" \
			KRB5CCNAME="${KRB5CCNAME:-FILE:$dir/krb5cc}" \
			LDAPTLS_CACERT="$dir/ca.pem" LDAPSASL_NOCANON=on "$@"
	fi
}

# _samba_ns_call FUNC ARGS...: FUNC of this file, in a namespace (a fresh
# one when called outside of any).
_samba_ns_call() {
	if samba_in_ns; then
		"$@"
	else
		_samba_ns_run "$BASH" -c '. "$0" && "$@"' "$SAMBA_LIB_DIR/samba.sh" "$@"
	fi
}

_samba_need_ns() {
	samba_in_ns && return 0
	_samba_log "$1 must run inside the test namespace (call samba_reexec_in_ns first)"
	return 1
}

# ------------------------------------------------------------ configuration

# samba_write_conf DIR: DIR/smb.conf and DIR/krb5.conf for a state in
# DIR/state.  Only smb.conf holds absolute paths: a copied state works
# after this has been run for the new DIR.
samba_write_conf() {
	local dir s
	dir=$(cd "$1" && pwd) || return 1
	s=$dir/state
	mkdir -p "$s/run" "$s/ncalrpc" "$s/winbindd" "$s/ntp_signd" "$s/cache" \
		"$s/bind-dns" "$s/state" "$s/private" || return 1
	if [ ${#s} -gt 70 ]; then
		_samba_log "warning: $s is long; Samba's unix sockets (ldapi, ncalrpc) may not fit"
	fi
	cat >"$dir/smb.conf" <<-EOF
		# Samba AD DC for ad2relay's tests (tests/integration/lib/samba.sh)
		[global]
		netbios name = ${SAMBA_HOST^^}
		realm = $SAMBA_REALM
		workgroup = $SAMBA_DOMAIN
		server role = active directory domain controller
		interfaces = $SAMBA_IP
		bind interfaces only = yes
		# only what LDAP, Kerberos and DNS SRV tests need: no smbd (s3fs),
		# no NetBIOS, no WINS replication, no DRS/KCC, no DNS updates
		server services = ldap, cldap, kdc, dns, rpc
		dns forwarder =
		ldap server require strong auth = yes
		include system krb5 conf = no
		private dir = $s/private
		lock directory = $s
		state directory = $s/state
		cache directory = $s/cache
		binddns dir = $s/bind-dns
		pid directory = $s/run
		ncalrpc dir = $s/ncalrpc
		winbindd socket directory = $s/winbindd
		ntp signd socket directory = $s/ntp_signd
		log file = $s/log.%m
		load printers = no
		printing = bsd
		printcap name = /dev/null
		disable spoolss = yes

		[sysvol]
		path = $s/state/sysvol
		read only = no

		[netlogon]
		path = $s/state/sysvol/$SAMBA_DNSDOMAIN/scripts
		read only = no
	EOF
	cat >"$dir/krb5.conf" <<-EOF
		# client krb5.conf for the test DC (export KRB5_CONFIG=$dir/krb5.conf)
		[libdefaults]
		    default_realm = $SAMBA_REALM
		    dns_lookup_realm = false
		    dns_lookup_kdc = false
		    rdns = false
		    dns_canonicalize_hostname = false
		    ignore_acceptor_hostname = true
		    udp_preference_limit = 0

		[realms]
		    $SAMBA_REALM = {
		        kdc = $SAMBA_FQDN
		        admin_server = $SAMBA_FQDN
		        default_domain = $SAMBA_DNSDOMAIN
		    }

		[domain_realm]
		    .$SAMBA_DNSDOMAIN = $SAMBA_REALM
		    $SAMBA_DNSDOMAIN = $SAMBA_REALM
	EOF
	_samba_write_secret "$dir/admin.pw" "$SAMBA_ADMIN_PASS"
	_samba_write_secret "$dir/svc.pw" "$SAMBA_SVC_PASS"
	_samba_write_secret "$dir/gateway.pw" "$SAMBA_MACHINE_PASS"
}

_samba_write_secret() {
	(umask 077 && printf '%s' "$2" >"$1")
}

# ------------------------------------------------------------ provisioning

samba_provision() {
	_samba_ns_call _samba_provision "$@"
}

_samba_provision() {
	local dir=$1 t0 out
	t0=$(_samba_ms)
	mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || return 1
	if [ -e "$dir/state/private/sam.ldb" ]; then
		_samba_log "samba_provision: $dir/state is already provisioned"
		return 1
	fi
	# -s /dev/null: never read the machine's /etc/samba/smb.conf (the samba
	# package installs one).  --targetdir makes provision write its own
	# state/etc/smb.conf; we use DIR/smb.conf instead and drop that one.
	if ! out=$(samba-tool domain provision -s /dev/null -q \
		--realm="$SAMBA_REALM" --domain="$SAMBA_DOMAIN" --server-role=dc \
		--dns-backend=SAMBA_INTERNAL --host-name="$SAMBA_HOST" \
		--host-ip="$SAMBA_IP" --adminpass="$SAMBA_ADMIN_PASS" \
		--function-level=2008_R2 --targetdir="$dir/state" \
		--option="interfaces = $SAMBA_IP" --option="bind interfaces only = yes" \
		2>&1); then
		printf '%s\n' "$out" >&2
		_samba_log "samba_provision: samba-tool domain provision failed"
		return 1
	fi
	rm -rf "$dir/state/etc"
	samba_write_conf "$dir" || return 1
	# The DNS-update service is off (server services): add the DC's
	# ldap/ (and other) SPNs ourselves; works offline on sam.ldb.
	if ! out=$(samba_spnupdate -s "$dir/smb.conf" 2>&1); then
		printf '%s\n' "$out" >&2
		_samba_log "samba_provision: samba_spnupdate failed"
		return 1
	fi
	echo "provision_ms=$(($(_samba_ms) - t0))" >>"$dir/timings"
}

# samba_populate DIR [N]: samba must be stopped.
samba_populate() {
	_samba_ns_call _samba_populate "$@"
}

_samba_populate() {
	local dir n=${2:-$SAMBA_USERS} t0
	t0=$(_samba_ms)
	dir=$(cd "$1" && pwd) || return 1
	if _samba_running "$dir"; then
		_samba_log "samba_populate: stop samba first ($dir)"
		return 1
	fi
	SAMBA_SVC_PASS=$SAMBA_SVC_PASS SAMBA_MACHINE_PASS=$SAMBA_MACHINE_PASS \
		"$SAMBA_PYTHON" "$SAMBA_LIB_DIR/samba-populate.py" --smbconf "$dir/smb.conf" \
		--dir "$dir" --users "$n" --schema "$SAMBA_DATA_DIR/exchange-schema.ldif" ||
		return 1
	echo "populate_ms=$(($(_samba_ms) - t0))" >>"$dir/timings"
}

# ------------------------------------------------------------ start / stop

_samba_running() {
	local pid
	[ -f "$1/samba.pid" ] && pid=$(cat "$1/samba.pid") && pid_alive "$pid"
}

_samba_ms() { echo $(($(date +%s%N) / 1000000)); }

_samba_tcp_open() {
	timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

samba_start() {
	local dir pid i t0
	t0=$(_samba_ms)
	_samba_need_ns samba_start || return 1
	dir=$(cd "$1" && pwd) || return 1
	if _samba_running "$dir"; then
		_samba_log "samba_start: already running ($dir, pid $(cat "$dir/samba.pid"))"
		return 1
	fi
	# Our own environment, not the test's Kerberos settings.
	(cd "$dir" && exec env -u KRB5_CONFIG -u KRB5CCNAME -u KRB5_KTNAME \
		-u KRB5_CLIENT_KTNAME samba -F --debug-stdout -d "${SAMBA_DEBUG:-1}" \
		-s "$dir/smb.conf" </dev/null >>"$dir/samba.log" 2>&1) &
	pid=$!
	echo "$pid" >"$dir/samba.pid"
	for ((i = 0; i < SAMBA_START_TIMEOUT * 5; i++)); do
		if ! pid_alive "$pid"; then
			tail -n 30 "$dir/samba.log" >&2
			_samba_log "samba_start: samba exited during startup ($dir/samba.log)"
			rm -f "$dir/samba.pid"
			return 1
		fi
		if [ -s "$dir/state/private/tls/ca.pem" ] &&
			_samba_tcp_open "$SAMBA_IP" 389 && _samba_tcp_open "$SAMBA_IP" 636 &&
			_samba_tcp_open "$SAMBA_IP" 88 && _samba_tcp_open "$SAMBA_IP" 53 &&
			LDAPNOINIT=1 timeout 5 ldapsearch -x -LLL -H "ldap://$SAMBA_IP" \
				-s base -b '' dnsHostName >/dev/null 2>&1; then
			cp "$dir/state/private/tls/ca.pem" "$dir/ca.pem"
			echo "start_ms=$(($(_samba_ms) - t0))" >>"$dir/timings"
			return 0
		fi
		sleep 0.2
	done
	tail -n 30 "$dir/samba.log" >&2
	_samba_log "samba_start: not ready after ${SAMBA_START_TIMEOUT}s"
	samba_stop "$dir"
	return 1
}

samba_stop() {
	local dir pid i
	dir=$(cd "$1" 2>/dev/null && pwd) || return 0
	[ -f "$dir/samba.pid" ] || return 0
	pid=$(cat "$dir/samba.pid")
	if pid_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		pid_wait_gone "$pid" 10 || true
	fi
	# samba -F makes itself a process group leader and takes its children
	# down on SIGTERM; anything left in that group (our group: its id is
	# the PID we started) is killed.
	for ((i = 0; i < 50; i++)); do
		pgrp_alive "$pid" || break
		if [ "$i" = 20 ]; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
		sleep 0.1
	done
	if pid_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
	wait "$pid" 2>/dev/null || true
	rm -f "$dir/samba.pid"
	return 0
}

# ------------------------------------------------------------ fixture + cache

_samba_cache_key() {
	{
		cat "$SAMBA_LIB_DIR/samba.sh" "$SAMBA_LIB_DIR/samba-populate.py" \
			"$SAMBA_DATA_DIR/exchange-schema.ldif"
		samba -V
		echo "users=$1"
	} | sha256sum | cut -c1-16
}

# _samba_cache_build DEST N: provision, populate, start once (Samba makes
# its TLS key and certificate at the first start), stop, strip runtime files.
_samba_cache_build() {
	local dest=$1 n=$2
	_samba_provision "$dest" || return 1
	_samba_populate "$dest" "$n" || return 1
	samba_start "$dest" || return 1
	samba_stop "$dest"
	find "$dest/state" -type s -delete
	rm -rf "$dest/state/run" "$dest/state/msg.sock" "$dest/state/msg.lock" \
		"$dest/state/smb_krb5" "$dest/samba.log" "$dest/krb5cc"
	rm -f "$dest"/state/log.*
}

# samba_cache [N]: print the directory of a complete cached fixture,
# building it first when missing (once, under flock, in a namespace of its
# own so that it cannot clash with a DC the caller already runs).
samba_cache() {
	local n=${1:-$SAMBA_USERS} key c
	key=$(_samba_cache_key "$n") || return 1
	c=$SAMBA_CACHE/$key
	if [ ! -f "$c/.complete" ]; then
		mkdir -p "$SAMBA_CACHE" || return 1
		(
			t0=$(_samba_ms)
			flock -w 900 9 || {
				_samba_log "timeout waiting for $SAMBA_CACHE/.lock.$key"
				exit 1
			}
			[ -f "$c/.complete" ] && exit 0
			_samba_log "building the Samba fixture cache $c ($n users)"
			rm -rf "$c" "$c.tmp"
			mkdir -p "$c.tmp" || exit 1
			if ! _samba_ns_run "$BASH" -c '. "$0" && _samba_cache_build "$@"' \
				"$SAMBA_LIB_DIR/samba.sh" "$c.tmp" "$n" >&2; then
				rm -rf "$c.tmp"
				exit 1
			fi
			echo "cache_build_ms=$(($(_samba_ms) - t0))" >>"$c.tmp/timings"
			touch "$c.tmp/.complete"
			mv "$c.tmp" "$c" || exit 1
			# Drop caches of other harness versions unused for a day.
			for o in "$SAMBA_CACHE"/*/.complete; do
				o=${o%/.complete}
				if [ "$o" != "$c" ] && [ -n "$(find "$o/.complete" -mmin +1440 2>/dev/null)" ]; then
					rm -rf "$o" "$SAMBA_CACHE/.lock.${o##*/}" || true
				fi
			done
			_samba_log "fixture cache built: $(tr '\n' ' ' <"$c/timings")"
		) 9>"$SAMBA_CACHE/.lock.$key" || {
			_samba_log "building the Samba fixture failed"
			return 1
		}
	fi
	printf '%s\n' "$c"
}

# samba_fixture DIR [N]: a provisioned, populated, stopped DC in DIR
# (a copy of the cache; only smb.conf names absolute paths and is rewritten).
samba_fixture() {
	local dir=$1 n=${2:-$SAMBA_USERS} c t0
	c=$(samba_cache "$n") || return 1
	t0=$(_samba_ms)
	mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || return 1
	if [ -e "$dir/state" ]; then
		_samba_log "samba_fixture: $dir/state exists"
		return 1
	fi
	cp -a "$c/." "$dir/" || return 1
	rm -f "$dir/.complete"
	samba_write_conf "$dir" || return 1
	cp "$dir/state/private/tls/ca.pem" "$dir/ca.pem" || return 1
	echo "copy_ms=$(($(_samba_ms) - t0))" >>"$dir/timings"
}

# ------------------------------------------------------------ client side

samba_client_env() {
	local dir
	dir=$(cd "$1" && pwd) || return 1
	export KRB5_CONFIG=$dir/krb5.conf
	export KRB5CCNAME=FILE:$dir/krb5cc
}

# samba_kinit DIR KEYTAB PRINCIPAL: get a TGT into DIR/krb5cc.
samba_kinit() {
	KRB5_CONFIG=$1/krb5.conf KRB5CCNAME=FILE:$1/krb5cc kinit -k -t "$2" "$3"
}

# samba_tool DIR SUBCOMMAND...: samba-tool on DIR's sam.ldb (-s DIR/smb.conf;
# never the machine's /etc/samba/smb.conf).  Works while samba runs.
samba_tool() {
	local dir=$1
	shift
	_samba_need_ns samba_tool || return 1
	samba-tool "$@" -s "$dir/smb.conf"
}

# samba_ldapsearch DIR ARGS...: ldapsearch over LDAPS as svc-relay.
samba_ldapsearch() {
	local dir=$1
	shift
	LDAPTLS_CACERT=$dir/ca.pem ldapsearch -x -LLL -o ldif-wrap=no -o nettimeout=10 \
		-H "$SAMBA_LDAPS_URI" -D "$SAMBA_SVC_DN" -y "$dir/svc.pw" "$@"
}

# samba_ldapmodify DIR ARGS...: ldapmodify over LDAPS as Administrator
# (LDIF on stdin), e.g. to change the directory between two syncs.
samba_ldapmodify() {
	local dir=$1
	shift
	LDAPTLS_CACERT=$dir/ca.pem ldapmodify -x -o nettimeout=10 \
		-H "$SAMBA_LDAPS_URI" -D "$SAMBA_ADMIN_DN" -y "$dir/admin.pw" "$@"
}

# samba_etc_install DIR [--keytab]: make the namespace look domain-joined:
# /etc/krb5.conf (default_realm CORP.EXAMPLE.COM) and, with --keytab,
# /etc/krb5.keytab holding GATEWAY$.  Private /etc (overlay) only.
samba_etc_install() {
	_samba_need_ns samba_etc_install || return 1
	if [ "${SAMBA_NS_ETC-}" != overlay ]; then
		_samba_log "samba_etc_install: no private /etc overlay in this namespace"
		return 1
	fi
	install -m 0644 "$1/krb5.conf" /etc/krb5.conf || return 1
	if [ "${2-}" = --keytab ]; then
		install -m 0600 "$1/krb5.keytab" /etc/krb5.keytab || return 1
	fi
}

# Executed (not sourced) as the namespace's init: samba.sh --ns-init CMD...
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1-}" = --ns-init ]; then
	shift
	_samba_ns_init "$@"
fi
