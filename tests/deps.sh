#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# deps.sh - install the Debian packages ad2relay needs to build and run
# (and, with --test, to run its test suite) when they are missing.  Debian
# 12, as root.  --list-test-only prints the packages only the tests need.
# Postfix and slapd are preseeded so that neither is configured or started
# system-wide: the tests run private instances.
set -eu

BUILD="build-essential autoconf automake pkg-config libldap2-dev libsasl2-dev
libcdb-dev libicu-dev libkrb5-dev"
RUN="postfix postfix-cdb tinycdb libsasl2-modules-gssapi-mit"
# The tests' generic tools, and what only the tests (and the Debian package
# build of tests/ci.sh) use: tests/ci.sh hides the latter's files from the
# clean-clone demo, so that none of them can sneak into the build.
TOOLS="openssl python3 util-linux iproute2 git"
TEST="libcmocka-dev slapd ldap-utils samba samba-ad-dc samba-ad-provision
python3-samba krb5-user ldb-tools bind9-host debhelper lintian
clang libclang-rt-14-dev clang-format valgrind prometheus"

case "${1-}" in
--list-test-only)
	echo $TEST
	exit 0
	;;
esac
want="$BUILD $RUN"
[ "${1-}" = "--test" ] && want="$want $TOOLS $TEST"

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
debconf-set-selections <<'PRESEED'
postfix postfix/main_mailer_type select No configuration
slapd slapd/no_configuration boolean true
samba-common samba-common/workgroup string WORKGROUP
samba-common samba-common/dhcp boolean false
samba-common samba-common/do_debconf boolean true
krb5-config krb5-config/default_realm string
krb5-config krb5-config/kerberos_servers string
krb5-config krb5-config/admin_server string
krb5-config krb5-config/add_servers_realm string
krb5-config krb5-config/add_servers boolean false
krb5-config krb5-config/read_conf boolean true
PRESEED
# No service may start system-wide while packages install (the tests run
# private instances): a temporary policy-rc.d, unless one is there.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
