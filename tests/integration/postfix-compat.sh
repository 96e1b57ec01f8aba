#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# postfix-compat.sh - ad2relay's cdb answers postmap -q like postmap's own,
# and postmap cdb: on ad2relay's text map yields a byte-identical cdb.
. "$top_srcdir/tests/integration/lib/common.sh"
set -e
need "$POSTMAP"
pf=$(postfix_dir)

# A few thousand generated users plus UTF-8 and mixed-case addresses,
# the non-ASCII ones base64-encoded as LDIF requires.
gen_ldif 2500 "$T/dir.ldif"
b64() { printf '%s' "$1" | base64 -w0; }
i=0
for a in 'SMTP:Jürgen.Müller@corp.example.com' 'smtp:STRAẞE@corp.example.com' \
	'smtp:Straße.Zwei@Example.org' 'SMTP:ÄÖÜ@eu.corp.example.com' \
	'smtp:ΟΔΥΣΣΕΑΣ@example.org' 'smtp:info@MÜNCHEN.corp.example.com'; do
	i=$((i + 1))
	printf 'dn: CN=Utf %d,DC=corp,DC=example,DC=com\nobjectClass: user\nproxyAddresses:: %s\n\n' \
		"$i" "$(b64 "$a")" >>"$T/dir.ldif"
done

mkdir "$T/out"
run_a2r sync -c /dev/null --from-ldif "$T/dir.ldif" --output "$T/out/relay_recipients" \
	--relay-domains 'corp.example.com .corp.example.com example.org'
expect_rc 0
n=$(wc -l <"$T/out/relay_recipients")
[ "$n" -eq $((2500 * 2 + 6)) ] || fail "map has $n lines"
ok "map of $n addresses written"

# 1. every key is found through the cdb, as written
cut -d' ' -f1 "$T/out/relay_recipients" >"$T/keys"
"$POSTMAP" -c "$pf" -q - "cdb:$T/out/relay_recipients" <"$T/keys" >"$T/found"
[ "$(wc -l <"$T/found")" -eq "$n" ] || fail "postmap -q found $(wc -l <"$T/found") of $n keys"
awk '$2 != "OK" { exit 1 }' "$T/found" || fail "a value is not OK"
ok "all $n keys found by postmap -q"

# 2. queries in other case forms, as smtpd would send them
cat >"$T/queries" <<'Q'
USER.1@CORP.EXAMPLE.COM
User.2500@Corp.Example.Com
U17@EXAMPLE.ORG
JÜRGEN.MÜLLER@CORP.EXAMPLE.COM
jürgen.müller@corp.example.com
STRASSE@corp.example.com
straße@corp.example.com
STRAẞE.ZWEI@EXAMPLE.ORG
äöü@EU.CORP.EXAMPLE.COM
ÄÖÜ@eu.corp.example.com
οδυσσεας@example.org
ΟΔΥΣΣΕΑΣ@EXAMPLE.ORG
INFO@münchen.corp.example.com
Q
"$POSTMAP" -c "$pf" -q - "cdb:$T/out/relay_recipients" <"$T/queries" >"$T/qfound"
diff <(cut -f1 "$T/qfound") "$T/queries" >&2 || fail "mixed-case or UTF-8 query not found"
ok "$(wc -l <"$T/queries") mixed-case and UTF-8 upper-case queries found"

# and an address that is not there is not found
if "$POSTMAP" -c "$pf" -q 'nobody@corp.example.com' "cdb:$T/out/relay_recipients"; then
	fail "unknown address found"
fi

# 3. postmap cdb: on our text map builds the same bytes
mkdir "$T/pm"
cp "$T/out/relay_recipients" "$T/pm/relay_recipients"
"$POSTMAP" -c "$pf" "cdb:$T/pm/relay_recipients"
cmp "$T/pm/relay_recipients.cdb" "$T/out/relay_recipients.cdb" ||
	fail "postmap's cdb differs from ad2relay's"
ok "postmap cdb: output is byte-identical"
