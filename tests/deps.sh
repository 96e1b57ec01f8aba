#!/bin/sh
# deps.sh - install the Debian packages ad2relay needs to build (and, with
# --test, to run its test suite) when they are missing.  Debian 12, as root.
# Postfix and slapd are preseeded so that neither is configured or started
# system-wide: the tests run private instances.
set -eu

BUILD="build-essential autoconf automake pkg-config libldap2-dev libsasl2-dev
libcdb-dev libicu-dev libkrb5-dev"
RUN="postfix postfix-cdb tinycdb libsasl2-modules-gssapi-mit"
TEST="libcmocka-dev slapd ldap-utils openssl python3 util-linux"

want="$BUILD $RUN"
[ "${1-}" = "--test" ] && want="$want $TEST"

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
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
