#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# migrate.sh - dump's migration formats: csv, objects (JSON Lines) and
# virtual (a Postfix virtual_alias_maps table).  Hostile DNs and values
# never break a row or a line; an address held by two objects and an
# object without a primary address are left out of the table with a
# warning (65 with --strict); the real postmap answers the primary for
# every alias; the live directory and its LDIF export give the same output,
# which an independent model (lib/migrate-model.py) predicts.
. "$top_srcdir/tests/integration/lib/common.sh"
. "$top_srcdir/tests/integration/lib/live.sh"
set -e
need "$POSTMAP"
pf=$(postfix_dir)
data="$top_srcdir/tests/data"
hostile="$data/migrate-hostile.ldif"
lib="$top_srcdir/tests/integration/lib"
RELAY='corp.example.com .corp.example.com example.org'
write_conf "$T/h.conf" "relay_domains=$RELAY"

# well_formed FORMAT FILE - every line of FILE is one record of FORMAT:
# UTF-8, no control character, csv rows of 5 RFC 4180 fields, JSON objects
well_formed() {
	python3 - "$1" "$2" <<'PY'
import csv, io, json, sys
fmt, path = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
text = raw.decode("utf-8")  # strict: fails on invalid UTF-8
lines = text.split("\n")
assert lines[-1] == "", "no final line feed"
lines = lines[:-1]
for line in lines:
    bad = [c for c in line if ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or c in "\u2028\u2029"]
    assert not bad, "control character in %r" % line
if fmt == "csv":
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == len(lines), "a row spans lines"
    assert rows[0] == ["address", "kind", "object_class", "dn", "original"], rows[0]
    for r in rows[1:]:
        assert len(r) == 5, r
        assert r[1] in ("primary", "alias", "mail"), r
elif fmt == "objects":
    for line in lines:
        o = json.loads(line)
        assert set(o) == {"dn", "object_class", "disabled", "primary", "aliases",
                          "original", "rejected"}, o.keys()
else:
    for line in lines:
        assert len(line.split(" ")) == 2 and line.strip() == line, line
PY
}

# 1. the hostile fixture: reviewed output, byte for byte, well formed
for f in csv:csv objects:jsonl virtual:virtual; do
	run_a2r -c "$T/h.conf" dump --from-ldif "$hostile" --format "${f%%:*}"
	expect_rc 0
	diff -u "$data/migrate-hostile.${f#*:}" "$T/.out" >&2 || fail "${f%%:*} differs"
	well_formed "${f%%:*}" "$T/.out" || fail "${f%%:*}: not well formed"
	cp "$T/.out" "$T/hostile.${f%%:*}"
done
# a DN's line breaks and invalid UTF-8 are RFC 4514 hex pairs: the same DN
grep -qF '"CN=Evil\0ALine\0D\09Tab,OU=Staff,' "$T/hostile.csv" || fail "csv: DN escapes"
grep -qF '"CN=Bad\FFUTF8\C3,OU=Staff,' "$T/hostile.csv" || fail "csv: DN with invalid UTF-8"
grep -qF '"CN=Doe\, ""JD"" John,OU=Staff,' "$T/hostile.csv" || fail "csv: RFC 4180 quotes"
grep -qF '"value": "smtp:nul\u0000byte@corp.example.com"' "$T/hostile.objects" ||
	fail "objects: NUL not escaped"
grep -qF '"value": "smtp:j\ufffdrgen@corp.example.com", "value_base64": "c210cDpq/HJnZW5AY29ycC5leGFtcGxlLmNvbQ=="' \
	"$T/hostile.objects" || fail "objects: invalid UTF-8 not replaced and kept in base64"
ok "csv, objects, virtual of hostile DNs and values: reviewed output, one record per line"

# the csv holds the map's addresses: the same set as dump --format list
run_a2r -q -c "$T/h.conf" dump --from-ldif "$hostile" --format list
tail -n +2 "$T/hostile.csv" | cut -d, -f1 | uniq | diff - "$T/.out" >&2 ||
	fail "csv addresses are not the map's"
ok "csv addresses are exactly the map's keys"

# 2. conflicts: left out, each named with its DNs (-v); --strict refuses
run_a2r -v -c "$T/h.conf" dump --from-ldif "$hostile" --format virtual
expect_rc 0
expect_err '^ad2relay: warning: virtual: shared@corp.example.com left out: held by 2 objects: CN=Shared One,OU=Staff,DC=corp,DC=example,DC=com and CN=Shared Two,OU=Staff,DC=corp,DC=example,DC=com$'
expect_err '^ad2relay: warning: virtual: CN=Orphan,OU=Staff,DC=corp,DC=example,DC=com: no primary address .*: its 2 addresses left out$'
expect_err '^ad2relay: warning: virtual: CN=Two Primaries,OU=Staff,DC=corp,DC=example,DC=com: 2 primary \(SMTP:\) addresses: its 3 addresses left out$'
expect_err '^ad2relay: warning: virtual: 3 problems \(see above\)'
! grep -Eq '^(shared|orphan|first|second|third)' "$T/.out" || fail "a conflicting address is in the table"
run_a2r -q -c "$T/h.conf" dump --from-ldif "$hostile" --format virtual --strict
expect_rc 65
expect_one_line
expect_err '^ad2relay: dump --format virtual --strict: 3 conflicts .*: no table written$'
[ ! -s "$T/.out" ] || fail "--strict printed a table"
ok "shared address and objects without a primary: warnings naming the DNs; --strict: 65, no table"

# 3. the real postmap: every alias answers its primary, conflicts are absent
cp "$T/hostile.virtual" "$T/virtual"
"$POSTMAP" -c "$pf" "hash:$T/virtual" || fail "postmap hash:virtual"
while read -r key target; do
	got=$("$POSTMAP" -c "$pf" -q "$key" "hash:$T/virtual") || fail "postmap -q $key: not found"
	[ "$got" = "$target" ] || fail "postmap -q $key: $got, not $target"
done <"$T/virtual"
[ "$("$POSTMAP" -c "$pf" -q STRASSE@EXAMPLE.ORG "hash:$T/virtual")" = 'Hans.Straße@corp.example.com' ] ||
	fail "postmap -q in other case"
for key in shared@corp.example.com SHARED@Corp.Example.com orphan1@corp.example.com \
	third@example.org john.doe@corp.example.com; do
	set +e
	"$POSTMAP" -c "$pf" -q "$key" "hash:$T/virtual" >/dev/null
	qrc=$?
	set -e
	[ "$qrc" = 1 ] || fail "postmap -q $key: status $qrc, expected 1 (absent)"
done
ok "postmap -q ALIAS hash:virtual answers the primary; shared, orphan and primary keys are absent"

# 4. exclude_disabled: disabled objects are not exported at all
run_a2r -q -c "$T/h.conf" dump --from-ldif "$hostile" --format objects --exclude-disabled
expect_rc 0
! grep -q '"disabled": true' "$T/.out" || fail "a disabled object with exclude_disabled"
! grep -q 'Shared Mailbox' "$T/.out" || fail "the disabled mailbox is exported"
grep -q '"dn": "CN=Shared Mailbox,.*"disabled": true' "$T/hostile.objects" ||
	fail "disabled not shown without exclude_disabled"
ok "disabled: true without exclude_disabled; with it, disabled objects are not exported"

# 5. usage
run_a2r -c "$T/h.conf" dump --from-ldif "$hostile" --format csv --strict
expect_rc 64
expect_err -- '--strict applies to dump --format virtual only'
run_a2r -c "$T/h.conf" sync --from-ldif "$hostile" --strict
expect_rc 64
expect_err -- '--strict applies to dump only'
run_a2r -c "$T/h.conf" dump --from-ldif "$hostile" --format xml
expect_rc 64
expect_err 'format xml: use map, list, json, csv, objects or virtual'
ok "--strict only with --format virtual; the formats listed"

# an empty directory: a header, no objects, an empty table
printf 'version: 1\n' >"$T/empty.ldif"
for f in csv:1 objects:0 virtual:0 virtual-strict:0; do
	if [ "${f%%:*}" = virtual-strict ]; then
		run_a2r -c "$T/h.conf" dump --from-ldif "$T/empty.ldif" --format virtual --strict
	else
		run_a2r -c "$T/h.conf" dump --from-ldif "$T/empty.ldif" --format "${f%%:*}"
	fi
	expect_rc 0
	[ "$(wc -l <"$T/.out")" = "${f#*:}" ] || fail "${f%%:*} of an empty directory: $out"
done
ok "an empty directory: csv header only, no objects, an empty table"

# 6. a generated directory on a real slapd, two more conflicts added
live_setup 400
cat >"$T/extra.ldif" <<LDIF
dn: cn=Orphan Aliases,ou=Sales,ou=Staff,$SLAPD_BASE
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: user
cn: Orphan Aliases
sn: Aliases
userAccountControl: 512
proxyAddresses: smtp:orphan.alias@corp.example.com
proxyAddresses: smtp:orphan.alias@example.org

dn: cn=Second Holder,ou=Sales,ou=Staff,$SLAPD_BASE
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: user
cn: Second Holder
sn: Holder
userAccountControl: 512
proxyAddresses: SMTP:second.holder@corp.example.com
proxyAddresses: smtp:GRP-0001@Example.org

LDIF
ldapadd -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" -f "$T/extra.ldif" >/dev/null ||
	fail "ldapadd extra entries"
cat "$LDIR/dir.ldif" "$T/extra.ldif" >"$T/all.ldif"
mkdir "$T/model" "$T/model-enabled"
python3 "$lib/migrate-model.py" "$T/all.ldif" "$T/model" || fail "model"
python3 "$lib/migrate-model.py" "$T/all.ldif" "$T/model-enabled" --exclude-disabled ||
	fail "model (exclude_disabled)"
[ "$(wc -l <"$T/model/virtual")" -gt 600 ] || fail "model: too few aliases"
grep -q '^grp-0001@example.org	' "$T/model/shared" || fail "model: no shared alias"
grep -q '^strasse@corp.example.com	' "$T/model/shared" || fail "model: no shared folded alias"
grep -q '^cn=Orphan Aliases,' "$T/model/noprimary" || fail "model: no orphan"

# same_dn - slapd writes an escaped comma in a DN as "\2C", ldifde and
# the generator as "\,": the same DN (RFC 4514); compare in one form
same_dn() { sed 's/\\2C/\\,/g'; }

# compare_model FORMAT OUT MODELDIR - the output agrees with the model
# (DNs compared in one form, see same_dn)
compare_model() {
	same_dn <"$2" >"$2.dn"
	python3 - "$1" "$2.dn" "$3" <<'PY'
import csv, json, sys
fmt, out, model = sys.argv[1:4]
text = open(out, encoding="utf-8").read()
if fmt == "csv":
    rows = list(csv.reader(text.splitlines()))[1:]
    want = json.load(open(model + "/csv.json", encoding="utf-8"))
    assert rows == want, next(("got %r want %r" % (a, b)) for a, b in zip(rows + [None] * len(want), want + [None] * len(rows)) if a != b)
else:
    want = json.load(open(model + "/objects.json", encoding="utf-8"))
    got = {}
    for line in text.splitlines():
        o = json.loads(line)
        assert o["dn"] not in got, "object twice: " + o["dn"]
        got[o["dn"]] = {k: o[k] for k in ("object_class", "disabled", "primary", "aliases", "original")}
    for dn in set(got) | set(want):
        assert got.get(dn) == want.get(dn), "%s: got %r want %r" % (dn, got.get(dn), want.get(dn))
    dns = [json.loads(line)["dn"] for line in text.splitlines()]
    assert dns == sorted(dns, key=lambda d: d.encode()), "objects not sorted by DN"
PY
}

for src in live ldif; do
	[ "$src" = live ] && from=() || from=(--from-ldif "$T/all.ldif")
	run_a2r -v -c "$CONF" dump "${from[@]}" --format virtual
	expect_rc 0
	diff -u "$T/model/virtual" "$T/.out" >&2 || fail "$src: virtual differs from the model"
	expect_err "^ad2relay: warning: virtual: grp-0001@example.org left out: held by 2 objects: cn=Second Holder,ou=Sales,ou=Staff,$SLAPD_BASE and cn=grp-0001,ou=Groups,$SLAPD_BASE\$"
	expect_err "^ad2relay: warning: virtual: strasse@corp.example.com left out: held by 2 objects: cn=Hans Straße,"
	expect_err "^ad2relay: warning: virtual: cn=Orphan Aliases,ou=Sales,ou=Staff,$SLAPD_BASE: no primary address"
	cp "$T/.out" "$T/$src.virtual"
	run_a2r -q -c "$CONF" dump "${from[@]}" --format csv
	expect_rc 0
	well_formed csv "$T/.out" || fail "$src: csv not well formed"
	compare_model csv "$T/.out" "$T/model" || fail "$src: csv differs from the model"
	cp "$T/.out" "$T/$src.csv"
	run_a2r -q -c "$CONF" dump "${from[@]}" --format list
	tail -n +2 "$T/$src.csv" | cut -d, -f1 | uniq | diff - "$T/.out" >&2 ||
		fail "$src: csv addresses are not the map's"
	run_a2r -q -c "$CONF" dump "${from[@]}" --format objects
	expect_rc 0
	well_formed objects "$T/.out" || fail "$src: objects not well formed"
	compare_model objects "$T/.out" "$T/model" || fail "$src: objects differ from the model"
	grep -q '"disabled": true' "$T/.out" || fail "$src: no disabled object"
	cp "$T/.out" "$T/$src.objects"
	run_a2r -q -c "$CONF" dump "${from[@]}" --format objects --exclude-disabled
	expect_rc 0
	compare_model objects "$T/.out" "$T/model-enabled" ||
		fail "$src: objects with exclude_disabled differ from the model"
done
for f in virtual csv objects; do
	same_dn <"$T/live.$f" | cmp -s - "$T/ldif.$f" ||
		fail "$f: the live directory and its LDIF export differ"
done
ok "live and --from-ldif agree with the model: virtual, csv, objects (exclude_disabled too)"

run_a2r -q -c "$CONF" dump --format virtual --strict
expect_rc 65
expect_one_line
conflicts=$(($(wc -l <"$T/model/shared") + $(wc -l <"$T/model/noprimary")))
expect_err "dump --format virtual --strict: $conflicts conflicts"
[ ! -s "$T/.out" ] || fail "--strict printed a table"
ok "live --strict: 65 for the $conflicts conflicts the model predicts"

# 7. postmap -q answers the primary for every alias of the generated directory
cp "$T/live.virtual" "$T/gen-virtual"
"$POSTMAP" -c "$pf" "hash:$T/gen-virtual" || fail "postmap hash:gen-virtual"
n=$(wc -l <"$T/gen-virtual")
cut -d' ' -f1 "$T/gen-virtual" | "$POSTMAP" -c "$pf" -q - "hash:$T/gen-virtual" | tr '\t' ' ' \
	>"$T/answers"
diff "$T/gen-virtual" "$T/answers" >&2 || fail "postmap -q does not answer every alias's primary"
cut -f1 "$T/model/shared" | "$POSTMAP" -c "$pf" -q - "hash:$T/gen-virtual" >"$T/shared-answers" || true
[ ! -s "$T/shared-answers" ] || fail "an address held by two objects is in the table: $(cat "$T/shared-answers")"
for key in orphan.alias@corp.example.com orphan.alias@example.org; do
	! "$POSTMAP" -c "$pf" -q "$key" "hash:$T/gen-virtual" >/dev/null || fail "$key is in the table"
done
ok "postmap -q answers the primary for all $n aliases; shared and orphan addresses are absent"

# 8. hostile DNs and values from the live directory: slapd hands out a DN
#    with a raw line feed, a bidi override and a control character as it is
# b64 FORMAT ARGS... - printf (escapes in FORMAT are the point), in base64
# shellcheck disable=SC2059
b64() { printf "$@" | base64 -w0; }
cat >"$T/evil.ldif" <<LDIF
dn:: $(b64 'cn=Evil\nLine \xe2\x80\xae\x01x,ou=Sales,ou=Staff,%s' "$SLAPD_BASE")
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: user
cn:: $(b64 'Evil\nLine \xe2\x80\xae\x01x')
sn: Evil
proxyAddresses: SMTP:Evil@corp.example.com
proxyAddresses: smtp:evil.alias@example.org
proxyAddresses:: $(b64 'smtp:ctl\x01x@corp.example.com')
proxyAddresses:: $(b64 'smtp:break\r\n@corp.example.com')

LDIF
ldapadd -x -H "$SLAPD_URI" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" -f "$T/evil.ldif" >/dev/null ||
	fail "ldapadd hostile entry"
evil_dn="cn=Evil\\0ALine \\E2\\80\\AE\\01x,ou=Sales,ou=Staff,$SLAPD_BASE"
for f in csv objects virtual; do
	run_a2r -q -c "$CONF" dump --format "$f"
	expect_rc 0
	well_formed "$f" "$T/.out" || fail "live $f with a hostile entry: not well formed"
	cp "$T/.out" "$T/evil.$f"
done
grep -qxF "evil.alias@example.org,alias,user,\"$evil_dn\",evil.alias@example.org" "$T/evil.csv" ||
	fail "csv: the hostile DN is not one escaped field"
grep -qF "{\"dn\": \"${evil_dn//\\/\\\\}\"" "$T/evil.objects" || fail "objects: hostile DN"
grep -qF '"value": "smtp:break\u000d\u000a@corp.example.com"' "$T/evil.objects" ||
	fail "objects: a rejected value's line break"
grep -qxF 'evil.alias@example.org Evil@corp.example.com' "$T/evil.virtual" || fail "virtual: hostile entry"
ok "live: a DN with a line feed, a bidi override and a control byte is one escaped field"

# 9. a DC cut in mid-search: the export restarts on the next DC and the
#    objects gathered from the first are forgotten, not doubled
faultproxy_start "$T" cut --mode forward --to "127.0.0.1:$SLAPD_PORT" --cut-after-entries 150 ||
	fail "cut proxy"
on_exit "faultproxy_stop '$T' cut"
live_conf "$T/cut.conf" "uri=ldap://127.0.0.1:$FAULTPROXY_PORT $SLAPD_URI" "tls=none" \
	"bind=anonymous" "page_size=100"
live_conf "$T/plain.conf" "uri=$SLAPD_URI" "tls=none" "bind=anonymous" "page_size=100"
run_a2r -q -c "$T/plain.conf" dump --format objects
expect_rc 0
cp "$T/.out" "$T/plain.objects"
run_a2r -v -c "$T/cut.conf" dump --format objects
expect_rc 0
expect_err "^ad2relay: ldap://127.0.0.1:$FAULTPROXY_PORT: search: Can't contact LDAP server"
cmp -s "$T/plain.objects" "$T/.out" || fail "objects after a failover differ"
ok "failover in mid-search: every object once"
