#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# postfix-domains.sh - relay_domains = postconf against the real thing: for
# each of several main.cf variants (a plain list under both settings of
# parent_domain_matches_subdomains, a /file/name with comments, "!" and a
# file in it, hash and cdb tables, a $parameter reference) the domains
# ad2relay keeps are exactly those a throw-away Postfix's smtpd relays for
# (RCPT TO: 250 vs 554 "Relay access denied").  Then what cannot be read
# is refused (78, one line, map unchanged), and "ad2relay test" warns
# about each disagreement with the Postfix side, one line each.
. "$top_srcdir/tests/integration/lib/common.sh"
set -e
need_root "a real Postfix (master drops privileges to the postfix user)"
. "$top_srcdir/tests/integration/lib/slapd.sh"
. "$top_srcdir/tests/integration/lib/postfix.sh"
: "${POSTMAP_CMD:=/usr/sbin/postmap}"
for p in "$POSTFIX_CMD" "$POSTCONF_CMD" "$POSTMAP_CMD" /usr/lib/postfix/sbin/master \
	/usr/lib/postfix/sbin/smtpd "$(_slapd_bin slapd 2>/dev/null || echo slapd)" \
	"$(_slapd_bin slapadd 2>/dev/null || echo slapadd)" python3; do
	need "$p"
done
"$POSTCONF_CMD" -c "$(postfix_dir)" -m 2>/dev/null | grep -qx cdb || need postfix-cdb
probe="$POSTFIX_LIBDIR/postfix_probe.py"
# master opens $data_directory/master.lock as mail_owner: let it traverse $T
chmod 711 "$T"

# The domains asked about: each one's address u@DOMAIN is in the LDIF.
domains="a.example s.a.example deep.s.a.example b.example s.b.example
c.example s.c.example d.example s.d.example x.d.example y.d.example e.example
s.e.example f.example s.f.example g.example s.g.example h.example s.h.example
m.example s.m.example n.example s.n.example i.example s.i.example k.example
s.k.example zz.example s.zz.example münchen.example s.münchen.example"
for d in $domains; do
	printf 'dn: CN=u %s,DC=x\nobjectClass: user\nproxyAddresses:: %s\n\n' "$d" \
		"$(printf 'SMTP:u@%s' "$d" | base64 -w0)"
done >"$T/all.ldif"
export PYTHONIOENCODING=utf-8

# variant NAME MAIN.CF-LINE... - run Postfix with those lines and compare
# the domains its smtpd relays for with those ad2relay exports
variant() {
	local name=$1 dir="$T/pf-$1" rcpts=() d
	shift
	# many 554s in one session: no error delays, no disconnect
	postfix_setup "$dir" 'smtpd_error_sleep_time = 0' 'smtpd_soft_error_limit = 1000' \
		'smtpd_hard_error_limit = 1000' "$@" || fail "$name: postfix_setup"
	on_exit postfix_stop "$dir"
	postfix_start "$dir" || fail "$name: postfix_start"
	# without SMTPUTF8 only ASCII addresses can be asked for
	for d in $domains; do
		[ -n "${SMTPUTF8-x}" ] || ! LC_ALL=C grep -q '[^ -~]' <<<"$d" || continue
		rcpts+=("u@$d")
	done
	python3 "$probe" ${SMTPUTF8-"--smtputf8"} "$POSTFIX_PORT" "${rcpts[@]}" >"$T/session" 2>"$T/session.err" ||
		fail "$name: SMTP session: $(cat "$T/session.err")"
	postfix_stop "$dir" || fail "$name: postfix stop"
	# 250: relayed; 554 5.7.1 Relay access denied: not; nothing else
	awk -F'\t' '{ split($1, f, " ") } f[1] == 250 { print f[3] }' "$T/session" | sort >"$T/smtpd"
	awk -F'\t' '{ split($1, f, " ") } f[1] != 250 && !(f[1] == 554 && $2 ~ /Relay access denied/) { print }' \
		"$T/session" >"$T/odd"
	[ ! -s "$T/odd" ] || fail "$name: unexpected replies: $(cat "$T/odd")"
	[ -s "$T/smtpd" ] || fail "$name: smtpd relays for none of the domains"
	write_conf "$T/$name.conf" "relay_domains=postconf" "postfix_config=$dir/etc" \
		"output=$T/$name.map"
	run_a2r -c "$T/$name.conf" dump --from-ldif "$T/all.ldif" --format list
	expect_rc 0 "$name: dump"
	if [ -n "${SMTPUTF8-x}" ]; then sort "$T/.out"; else LC_ALL=C grep -v '[^ -~]' "$T/.out" | sort; fi >"$T/a2r"
	diff -u "$T/smtpd" "$T/a2r" >&2 || fail "$name: ad2relay keeps other domains than smtpd relays for (- smtpd, + ad2relay)"
	ok "$name: ad2relay keeps the $(wc -l <"$T/a2r") of $(echo $domains | wc -w) domains smtpd relays for"
}

# 1, 2: a plain list, commas and spaces; "x" matches subdomains only under
# parent matching, ".x" only without it (and UTF-8 is folded as smtpd folds it)
list='relay_domains = a.example, b.example .c.example,d.example ,  .D.example MÜNCHEN.example'
variant list-parent "$list"
grep -q 'relay_domains' <<<"$("$POSTCONF_CMD" -c "$T/pf-list-parent/etc" -xh parent_domain_matches_subdomains)" ||
	fail "Postfix's default parent_domain_matches_subdomains lacks relay_domains"
variant list-exact "$list" 'parent_domain_matches_subdomains ='

# 3: /file/name: comment lines, a "#" word ending a line, "!" inside and in
# front of a file in the file
mkdir "$T/files"
printf '# relay domains\nx.d.example\n' >"$T/files/not"
cat >"$T/files/domains" <<EOF
# comment line
a.example e.example, .e.example # a word comment ignores: k.example
  # an indented comment line
!$T/files/not
.d.example
d.example
EOF
variant file "relay_domains = !y.d.example, $T/files/domains, zz.example" \
	'parent_domain_matches_subdomains ='

# 4, 5: tables: a hash (keys "x" and ".x") without parent matching, a cdb
# with it
printf 'F.example OK\n.g.example OK\nh.example OK\n' >"$T/files/hash"
"$POSTMAP_CMD" -c "$(postfix_dir)" "hash:$T/files/hash" || fail "postmap hash"
variant hash "relay_domains = hash:$T/files/hash, inline:{ i.example=OK, .k.example=OK }" \
	'parent_domain_matches_subdomains ='
printf 'f.example OK\n.g.example OK\nk.example OK\n' >"$T/files/cdb"
"$POSTMAP_CMD" -c "$(postfix_dir)" "cdb:$T/files/cdb" || fail "postmap cdb"
variant cdb "relay_domains = cdb:$T/files/cdb"

# 6: $parameter references, expanded by postconf -x (a parameter of our
# own, and one of Postfix's)
variant reference 'my_relays = m.example, .n.example' 'relay_domains = $my_relays $mydomain zz.example' \
	'mydomain = s.zz.example' 'myorigin = $mydomain' 'parent_domain_matches_subdomains ='

# 7: compatibility_level = 0, relay_domains not set: its default there is
# $mydestination, whose domains smtpd accepts as local (delivered, here,
# to discard:) and their subdomains as relay domains (smtputf8_enable is
# off there too: no SMTPUTF8 in the probe)
SMTPUTF8= variant compat0 'compatibility_level = 0' 'mydestination = m.example, a.example' \
	'local_transport = discard:'

# --- what cannot be read is refused: 78, one line, the map unchanged ----
mkdir "$T/out"
write_conf "$T/good.conf" relay_domains=postconf "postfix_config=$T/pf-list-parent/etc" \
	"output=$T/out/map"
run_a2r -c "$T/good.conf" sync --from-ldif "$T/all.ldif"
expect_rc 0 "sync with Postfix's domains"
snapshot "$T/out"
# refuse NAME MAIN.CF-LINE ERROR [CONF-LINE] - ad2relay sync refuses
refuse() {
	local dir="$T/bad-$1"
	postfix_setup "$dir" "$2" >/dev/null || fail "$1: postfix_setup"
	write_conf "$T/bad.conf" relay_domains=postconf "postfix_config=$dir/etc" \
		"output=$T/out/map" ${4:+"$4"}
	run_a2r -c "$T/bad.conf" sync --from-ldif "$T/all.ldif"
	expect_rc 78 "$1"
	expect_one_line
	expect_err "$3"
	unchanged "$T/out"
	ok "$1: refused (78): $err"
}
printf '/x/ OK\n' >"$T/files/re"
refuse ldap "relay_domains = a.example, ldap:$T/files/ldap.cf" \
	"^ad2relay: relay_domains = postconf: Postfix's relay_domains: \"ldap:$T/files/ldap.cf\": tables of type ldap cannot be listed"
refuse regexp "relay_domains = regexp:$T/files/re a.example" \
	"\"regexp:$T/files/re\": tables of type regexp cannot be listed"
refuse proxy "relay_domains = proxy:hash:$T/files/hash" \
	"\"proxy:hash:$T/files/hash\": tables of type proxy cannot be listed"
refuse missing-file "relay_domains = a.example $T/files/missing" \
	"Postfix's relay_domains: $T/files/missing: No such file or directory"
refuse unreadable-hash "relay_domains = hash:$T/files/missing" \
	"\"hash:$T/files/missing\": $POSTMAP_CMD: exit status 1: .*$T/files/missing.db"
refuse empty "relay_domains =" "Postfix's relay_domains names no domain"
refuse no-postconf "relay_domains = a.example" \
	"^ad2relay: relay_domains = postconf: /nonexistent/postconf \(beside postfix_path\): No such file or directory$" \
	postfix_path=/nonexistent/postfix
refuse bad-main-cf "not a parameter line" "$POSTCONF_CMD: exit status 1: .*missing .=. after attribute name"

# --- ad2relay test cross-checks the Postfix side -----------------------
mkdir "$T/ldap"
slapd_setup "$T/ldap" >/dev/null || fail "slapd_setup"
on_exit slapd_stop "$T/ldap"
{
	printf 'dn: OU=Staff,%s\nobjectClass: top\nobjectClass: organizationalUnit\nou: Staff\n\n' "$SLAPD_BASE"
	for u in a b; do
		printf 'dn: CN=%s,OU=Staff,%s\nobjectClass: top\nobjectClass: person\n' "$u" "$SLAPD_BASE"
		printf 'objectClass: organizationalPerson\nobjectClass: user\ncn: %s\nsn: %s\n' "$u" "$u"
		printf 'sAMAccountName: %s\nuserAccountControl: 512\nproxyAddresses: SMTP:u@%s.example\n\n' "$u" "$u"
	done
} >"$T/ldap/users.ldif"
slapd_load "$T/ldap" "$T/ldap/users.ldif" || fail "slapd_load"
SLAPD_LOGLEVEL=0 slapd_start "$T/ldap" || fail "slapd_start"
mkdir "$T/meta"
grep -v '^cdb[[:space:]]' /etc/postfix/dynamicmaps.cf >"$T/meta/dynamicmaps.cf"
# check NAME RELAY_DOMAINS WARNINGS MAIN.CF-LINE... - ad2relay test with
# that relay_domains prints WARNINGS "warning:" lines
check() {
	local name=$1 relay=$2 want=$3 dir="$T/check-$1"
	shift 3
	postfix_setup "$dir" "relay_recipient_maps = cdb:$T/out/map" "$@" >/dev/null ||
		fail "$name: postfix_setup"
	write_conf "$T/check.conf" "relay_domains=$relay" "postfix_config=$dir/etc" \
		"output=$T/out/map" "uri=$SLAPD_URI" "binddn=$SLAPD_BINDDN" \
		"bindpw_file=$SLAPD_PWFILE" "tls_cacert=$SLAPD_CACERT"
	run_a2r -c "$T/check.conf" test
	expect_rc 0 "$name: test"
	grep -qx "postfix:   $dir/etc ($POSTCONF_CMD -xh)" "$T/.out" || fail "$name: no postfix line: $out"
	[ "$(grep -c '^warning:' "$T/.out")" = "$want" ] ||
		fail "$name: $(grep -c '^warning:' "$T/.out") warnings, expected $want: $out"
}
check agree postconf 0 'relay_domains = a.example, b.example'
grep -qx 'postfix:   relay_domains = a.example, b.example' "$T/.out" || fail "agree: relay_domains: $out"
ok "test: Postfix agrees, no warning"
check agree-listed 'a.example .a.example b.example .b.example' 0 'relay_domains = a.example, b.example'
ok "test: listed domains covering Postfix's, no warning"
check domains a.example 2 'relay_domains = a.example, b.example .c.example' \
	'parent_domain_matches_subdomains ='
grep -qx 'warning:   Postfix relays for b.example, but relay_domains here does not cover it: .*' "$T/.out" ||
	fail "domains: b.example: $out"
grep -qx 'warning:   Postfix relays for the subdomains of c.example, but .*(add .c.example to relay_domains, or use relay_domains = postconf)' \
	"$T/.out" || fail "domains: .c.example: $out"
ok "test: a domain and subdomains Postfix relays for that ad2relay does not cover"
check maps postconf 1 'relay_domains = a.example' "relay_recipient_maps = hash:$T/out/map"
grep -qx "warning:   Postfix's relay_recipient_maps (\"hash:$T/out/map\") does not name cdb:$T/out/map (it names hash:$T/out/map, which ad2relay does not write): .*" \
	"$T/.out" || fail "maps: $out"
check no-maps postconf 1 'relay_domains = a.example' "relay_recipient_maps ="
grep -q "^warning:   Postfix's relay_recipient_maps (\"\") does not name cdb:$T/out/map: " "$T/.out" ||
	fail "no-maps: $out"
ok "test: relay_recipient_maps not naming the map"
check no-cdb postconf 1 'relay_domains = a.example' "meta_directory = $T/meta"
grep -qx 'warning:   Postfix has no cdb table type (postconf -m): .* install the postfix-cdb package' \
	"$T/.out" || fail "no-cdb: $out"
ok "test: postconf -m without cdb"
check smtputf8 postconf 1 'relay_domains = a.example' 'smtputf8_enable = no'
grep -qx 'warning:   Postfix has smtputf8_enable = no: .*' "$T/.out" || fail "smtputf8: $out"
ok "test: smtputf8_enable = no"
write_conf "$T/check.conf" "relay_domains=a.example" "postfix_path=/nonexistent/postfix" \
	"output=$T/out/map" "uri=$SLAPD_URI" "binddn=$SLAPD_BINDDN" \
	"bindpw_file=$SLAPD_PWFILE" "tls_cacert=$SLAPD_CACERT"
run_a2r -c "$T/check.conf" test
expect_rc 0 "test without postconf"
grep -qx 'postfix:   not checked: /nonexistent/postconf (beside postfix_path): No such file or directory' "$T/.out" ||
	fail "no postconf: $out"
ok "test: without postconf, says the Postfix side was not checked"
