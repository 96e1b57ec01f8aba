#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""gen-ad-ldif.py -- write an Active-Directory-like directory as LDIF, plus
the exact recipient list ad2relay must produce from it.

    gen-ad-ldif.py --users N [--seed S] --out FILE.ldif --expected FILE.txt
                   [--expected-exclude-disabled FILE.txt] [--stats FILE]
                   [--base dc=corp,dc=example,dc=com] [--with-base]
                   [--with-invalid] [--many-aliases K]

The LDIF loads into the slapd of tests/integration/lib/slapd.sh (schema
tests/data/slapd/ad.schema) with slapd_load, and is also a realistic input
for `ad2relay dump --from-ldif` (wrapped lines, base64 values and DNs, binary
objectGUID, as ldapsearch/ldifde write them).  It does not contain the base
entry (slapd_setup creates it) unless --with-base is given.

What is in it (deterministic for a given --users/--seed/--base):
  * containers/OUs: CN=Users, CN=Computers, OU=Staff with OU=Sales,
    OU=Engineering, OU=Administration, OU=Groups, OU=Contacts,
    CN=Microsoft Exchange System Objects
  * N users (objectClass top/person/organizationalPerson/user), ~95 % of
    them with a mailbox: proxyAddresses SMTP:first.lastI@corp.example.com
    (some mixed case, e.g. SMTP:John.Doe7@Corp.Example.COM),
    smtp:flastI@example.org, smtp:first.lastI@sub.corp.example.com,
    X500:/o=ExchangeLabs/..., sometimes x500:, X400: (with spaces), SIP:
    (lync.corp.example.com -- a relay domain, so wrongly extracting SIP
    shows), and mail = the primary address.  ~1 % have only `mail`.
    ~2 % are disabled (userAccountControl 514 or 66050; enabled ones 512
    or 66048), ~1 % msExchHideFromAddressLists TRUE (still exported).
  * fixed special entries: UTF-8 addresses (Jürgen.Müller, Straße -> strasse,
    Åsa.Öberg, Ирина, info@Bücher.corp.example.com) with base64 DNs and
    values, "STRASSE@corp..." in another entry (folds to the same key),
    DNs with escaped commas, disabled shared/room mailboxes, a user with
    addresses in look-alike domains (notcorp.example.com,
    corp.example.com.evil.net, fooexample.org, example.org.evil.net), a
    "Smtp:" prefix in odd case.
  * groups (objectClass group; most mail-enabled), contacts (mail and
    proxyAddresses in partner.example.net; every 10th also has an
    smtp: address in corp.example.com), one publicFolder, one
    msExchDynamicDistributionList, computers (objectClass ... user computer;
    some with mail/proxyAddresses: never exported).

Expected files: the addresses of every user (disabled included), group,
contact, public folder and dynamic list -- proxyAddresses values of type
smtp (any case) and mail values -- whose domain is a relay domain
(corp.example.com, any subdomain of it, example.org; not
partner.example.net, not look-alikes), folded as Postfix folds them (ASCII
lower-case; non-ASCII: full Unicode case folding, str.casefold() = ICU's
default full folding for these characters, ß -> ss), unique, sorted by
bytes (LC_ALL=C sort), one per line, UTF-8.  --expected-exclude-disabled
leaves out addresses found only on disabled accounts
(userAccountControl & 2).  Computers never count.

--with-invalid adds one user whose proxyAddresses hold values a correct
policy must reject (space, leading @, two @, no @, control character,
over-long local part) next to one good address; only the good one is
expected.  --many-aliases K gives one extra user K smtp: aliases.
--stats FILE writes key=value counts (entries, users, ...).

Writes are streamed; N=500000 takes seconds and a few hundred MB.
"""

import argparse
import base64
import random
import re
import sys

FIRST = ["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael",
         "Linda", "William", "Elizabeth", "David", "Barbara", "Richard", "Susan",
         "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Anna",
         "Peter", "Laura", "Daniel", "Nina", "Paul", "Eva", "Mark", "Julia",
         "Steven", "Olga", "Kevin", "Sofia", "Brian", "Emma", "George", "Lena"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller",
        "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez",
        "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
        "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
        "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
        "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green"]
STAFF_OUS = ["Sales", "Engineering", "Administration"]

MAIL_DOMAIN = "corp.example.com"
EXG = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients"


def in_relay_domain(domain):
    """corp.example.com, .corp.example.com (any subdomain), example.org."""
    return (domain == "corp.example.com" or domain.endswith(".corp.example.com")
            or domain == "example.org")


def fold(addr):
    """Postfix's key folding: ASCII lower-case, non-ASCII full case folding."""
    return addr.casefold()


# ------------------------------------------------------------------ LDIF

# Anything that is not a SAFE-STRING (RFC 2849) -- and a trailing space.
_UNSAFE = re.compile(r"^[ :<]|[\x00\n\r]|[^\x00-\x7f]| $")


def _needs_base64(value):
    """RFC 2849: SAFE-STRING or base64 (also base64 for a trailing space)."""
    return _UNSAFE.search(value) is not None


def _fold_line(line, out):
    """Wrap at 76 columns like ldapsearch: continuation lines start with ' '."""
    if len(line) <= 76:
        out.append(line)
        return
    out.append(line[:76])
    i = 76
    while i < len(line):
        out.append(" " + line[i:i + 75])
        i += 75


# Fast path: all text values of an entry joined with "\n" are checked at once.
_UNSAFE_JOINED = re.compile(r"(?m)^[ :<]| $|[\x00\r]")


def _fold(line):
    """_fold_line for one line, returned as a str."""
    if len(line) <= 76:
        return line
    return "\n ".join([line[:76]] + [line[i:i + 75] for i in range(76, len(line), 75)])


def ldif_entry(dn, attrs):
    """Return one LDIF record (with trailing blank line) as a str.
    attrs: list of (name, value) with value str (UTF-8) or bytes (binary)."""
    pairs = [("dn", dn)] + attrs
    texts = [v for _, v in pairs if v.__class__ is str]
    joined = "\n".join(texts)
    all_safe = (joined.isascii() and joined.count("\n") == len(texts) - 1
                and _UNSAFE_JOINED.search(joined) is None)
    out = []
    for name, value in pairs:
        if value.__class__ is bytes:
            line = "%s:: %s" % (name, base64.b64encode(value).decode("ascii"))
        elif not all_safe and _needs_base64(value):
            line = "%s:: %s" % (name, base64.b64encode(value.encode("utf-8")).decode("ascii"))
        else:
            line = "%s: %s" % (name, value)
        if len(line) <= 76:
            out.append(line)
        else:
            _fold_line(line, out)
    out.append("")
    return "\n".join(out) + "\n"


def dn_escape(value):
    """RFC 4514 escaping of an RDN value."""
    out = []
    for i, ch in enumerate(value):
        if ch in ',+"\\<>;=' or (ch == "#" and i == 0) or (ch == " " and i in (0, len(value) - 1)):
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


# ------------------------------------------------------------- generator

# whitespace (any Unicode space) and control characters
_BAD_CHAR = re.compile(r"[\s\x00-\x1f\x7f]")

class Generator:
    def __init__(self, args, out):
        self.args = args
        self.base = args.base
        self.out = out
        self.rng = random.Random(args.seed)
        # UTF-8 folded address + b"\x01" (seen on an object that is not
        # disabled) or b"\x00" (disabled); sorted and merged at the end.
        # Valid addresses hold no control characters, so the flag byte sorts
        # below any address byte and sorting keeps the byte order of keys.
        self.expected = []
        self.stats = {k: 0 for k in (
            "entries", "users", "users_disabled", "users_with_addresses",
            "groups", "groups_mail", "contacts", "computers",
            "public_folders", "dynamic_lists", "containers",
            "proxy_values", "proxy_smtp_values", "proxy_other_values",
            "mail_values")}
        self.guid_counter = 0
        cat = "CN=%s,CN=Schema,CN=Configuration," + ",".join(
            "DC=" + p.split("=", 1)[1] for p in self.base.split(","))
        self.cat = lambda name: cat % name

    # -- helpers
    def guid(self):
        return self.rng.getrandbits(128).to_bytes(16, "little")

    def emit(self, dn, attrs, addresses_from=None, disabled=False, exported=True):
        """Write an entry; account for its addresses in the expected sets."""
        self.out.write(ldif_entry(dn, attrs))
        self.stats["entries"] += 1
        stats = self.stats
        for name, value in attrs:
            if name == "proxyAddresses":
                stats["proxy_values"] += 1
                if value[:5].lower() != "smtp:":
                    stats["proxy_other_values"] += 1
                    continue
                stats["proxy_smtp_values"] += 1
                addr = value[5:]
            elif name == "mail":
                stats["mail_values"] += 1
                addr = value
            else:
                continue
            if not exported:
                continue
            if not self.valid(addr):
                continue
            key = fold(addr)
            if not in_relay_domain(key.rsplit("@", 1)[1]):
                continue
            self.expected.append(key.encode("utf-8") + (b"\x00" if disabled else b"\x01"))

    @staticmethod
    def valid(addr):
        """The policy of DESIGN.md, as far as the generated values need it."""
        if addr.count("@") != 1 or addr.startswith("@") or addr.endswith("@"):
            return False
        if _BAD_CHAR.search(addr):
            return False
        local, domain = addr.split("@")
        if len(local.encode()) > 64 or len(domain.encode()) > 255 or len(addr.encode()) > 254:
            return False
        return True

    def container(self, dn, cls):
        rdn_attr, rdn_val = dn.split(",", 1)[0].split("=", 1)
        if cls == "ou":
            attrs = [("objectClass", "top"), ("objectClass", "organizationalUnit"),
                     ("ou", rdn_val)]
        else:
            attrs = [("objectClass", "top"), ("objectClass", "container"),
                     ("cn", rdn_val), ("objectCategory", self.cat("Container")),
                     ("objectGUID", self.guid())]
        self.emit(dn, attrs, exported=False)
        self.stats["containers"] += 1

    def user(self, dn, cn, sn, given, sam, upn, uac, proxies=(), mail=None,
             hide=False, extra=()):
        attrs = [("objectClass", "top"), ("objectClass", "person"),
                 ("objectClass", "organizationalPerson"), ("objectClass", "user"),
                 ("cn", cn), ("sn", sn)]
        if given:
            attrs.append(("givenName", given))
        attrs += [("displayName", cn), ("sAMAccountName", sam),
                  ("userPrincipalName", upn), ("userAccountControl", str(uac)),
                  ("objectCategory", self.cat("Person")),
                  ("objectGUID", self.guid())]
        if mail:
            attrs.append(("mail", mail))
        for p in proxies:
            attrs.append(("proxyAddresses", p))
        if hide:
            attrs.append(("msExchHideFromAddressLists", "TRUE"))
        attrs += list(extra)
        disabled = bool(uac & 2)
        self.emit(dn, attrs, disabled=disabled)
        self.stats["users"] += 1
        self.stats["users_disabled"] += disabled
        self.stats["users_with_addresses"] += bool(mail or proxies)

    # -- the directory
    def structure(self):
        b = self.base
        if self.args.with_base:
            dc = b.split(",")[0].split("=", 1)[1]
            self.emit(b, [("objectClass", "top"), ("objectClass", "domain"),
                          ("dc", dc)], exported=False)
        self.container("cn=Users," + b, "cn")
        self.container("cn=Computers," + b, "cn")
        self.container("cn=Microsoft Exchange System Objects," + b, "cn")
        self.container("ou=Staff," + b, "ou")
        for ou in STAFF_OUS:
            self.container("ou=%s,ou=Staff,%s" % (ou, b), "ou")
        self.container("ou=Groups," + b, "ou")
        self.container("ou=Contacts," + b, "ou")

    def user_parent(self, i):
        k = i % 4
        return "cn=Users," + self.base if k == 3 else "ou=%s,ou=Staff,%s" % (STAFF_OUS[k], self.base)

    def user_names(self, i):
        s = self.args.seed
        return FIRST[(i * 7 + s) % len(FIRST)], LAST[(i * 13 + 3 * s) % len(LAST)]

    def user_dn(self, i):
        first, last = self.user_names(i)
        if i % 50 == 0:        # "Last, First" style CN, as many ADs have
            cn = "%s, %s %d" % (last, first, i)
        else:
            cn = "%s %s %d" % (first, last, i)
        return cn, "cn=%s,%s" % (dn_escape(cn), self.user_parent(i))

    def users(self):
        rng = self.rng
        # The fast path needs a plain-ASCII base DN.
        fast = self.base.isascii() and not _needs_base64(self.base)
        self._user_classes = ("objectClass: top\nobjectClass: person\n"
                              "objectClass: organizationalPerson\nobjectClass: user")
        self._person_category = _fold("objectCategory: " + self.cat("Person"))
        for i in range(1, self.args.users + 1):
            first, last = self.user_names(i)
            cn, dn = self.user_dn(i)
            local = "%s.%s%d" % (first.lower(), last.lower(), i)
            sam = ("%s%s" % (first[0], last))[:14].lower() + str(i)
            r = rng.random()
            disabled = r < 0.02
            uac = rng.choice((514, 66050)) if disabled else rng.choice((512, 512, 512, 66048))
            r = rng.random()
            if r < 0.05:                      # no mailbox at all
                self.user(dn, cn, last, first, sam, local + "@" + MAIL_DOMAIN, uac)
                continue
            if r < 0.06:                      # mail only, no Exchange
                self.user(dn, cn, last, first, sam, local + "@" + MAIL_DOMAIN, uac,
                          mail=local + "@" + MAIL_DOMAIN)
                continue
            if i % 7 == 0:                    # mixed case, as admins type them
                primary = "%s.%s%d@Corp.Example.COM" % (first, last, i)
            else:
                primary = local + "@" + MAIL_DOMAIN
            proxies = ["SMTP:" + primary,
                       "smtp:%s%s%d@example.org" % (first[0].lower(), last.lower(), i),
                       "smtp:%s@sub.corp.example.com" % local,
                       "X500:%s/cn=%032x-%s" % (EXG, rng.getrandbits(128), local)]
            if i % 5 == 0:
                proxies.append("X400:c=US;a= ;p=Corp;o=Exchange;s=%s;g=%s%d;" % (last, first, i))
            if i % 10 == 1:
                proxies.append("SIP:%s@lync.corp.example.com" % local)
            if i % 9 == 0:
                proxies.append("x500:/o=Corp/ou=First Administrative Group/cn=Recipients/cn=%s" % local)
            if i % 97 == 0:
                proxies.append("smtp:%s@EXAMPLE.ORG" % local.upper())
            hide = rng.random() < 0.01
            if fast:
                self.mailbox_user_fast(i, dn, cn, last, first, sam, local, uac,
                                       proxies, primary, hide)
                continue
            self.user(dn, cn, last, first, sam, local + "@" + MAIL_DOMAIN, uac,
                      proxies=proxies, mail=primary, hide=hide,
                      extra=[("mailNickname", local),
                             ("legacyExchangeDN", "%s/cn=%s" % (EXG, sam))])

    def mailbox_user_fast(self, i, dn, cn, last, first, sam, local, uac,
                          proxies, primary, hide):
        """Same output as user(...) for a bulk mailbox user (all ASCII, no
        value needs base64), written without the generic per-value checks:
        about three times faster, which matters for --users 500000."""
        lines = [_fold("dn: " + dn), self._user_classes, "cn: " + cn, "sn: " + last,
                 "givenName: " + first, "displayName: " + cn, "sAMAccountName: " + sam,
                 "userPrincipalName: %s@%s" % (local, MAIL_DOMAIN),
                 "userAccountControl: %d" % uac, self._person_category,
                 "objectGUID:: " + base64.b64encode(self.guid()).decode("ascii"),
                 "mail: " + primary]
        lines += [_fold("proxyAddresses: " + p) for p in proxies]
        if hide:
            lines.append("msExchHideFromAddressLists: TRUE")
        lines.append("mailNickname: " + local)
        lines.append(_fold("legacyExchangeDN: %s/cn=%s" % (EXG, sam)))
        lines.append("\n")
        self.out.write("\n".join(lines))
        st = self.stats
        st["entries"] += 1
        st["users"] += 1
        st["users_with_addresses"] += 1
        st["mail_values"] += 1
        st["proxy_values"] += len(proxies)
        n_smtp = 4 if i % 97 == 0 else 3
        st["proxy_smtp_values"] += n_smtp
        st["proxy_other_values"] += len(proxies) - n_smtp
        disabled = bool(uac & 2)
        st["users_disabled"] += disabled
        flag = b"\x00" if disabled else b"\x01"
        exp = self.expected
        primary = primary.lower().encode("ascii") + flag
        exp.append(primary)                                   # mail
        exp.append(primary)                                   # SMTP:
        exp.append(proxies[1][5:].encode("ascii") + flag)     # @example.org
        exp.append(proxies[2][5:].encode("ascii") + flag)     # @sub.corp...
        if i % 97 == 0:
            exp.append(proxies[-1][5:].lower().encode("ascii") + flag)

    def specials(self):
        b = self.base
        sales = "ou=Sales,ou=Staff," + b
        users = "cn=Users," + b

        def u(cn, sn, given, sam, uac, proxies, mail=None, parent=sales, extra=()):
            self.user("cn=%s,%s" % (dn_escape(cn), parent), cn, sn, given, sam,
                      sam + "@" + MAIL_DOMAIN, uac, proxies=proxies, mail=mail, extra=extra)

        # UTF-8 addresses; `mail` is IA5 (ASCII) in slapd, so an ASCII one.
        u("Müller, Jürgen", "Müller", "Jürgen", "jmueller", 512,
          ["SMTP:Jürgen.Müller@corp.example.com",
           "smtp:juergen.mueller@corp.example.com",
           "smtp:jmueller@example.org"], mail="juergen.mueller@corp.example.com")
        u("Hans Straße", "Straße", "Hans", "hstrasse", 512,
          ["SMTP:Straße@corp.example.com", "smtp:hans.straße@example.org"],
          mail="hans.strasse@corp.example.com")
        u("Stefan Strasse", "Strasse", "Stefan", "sstrasse", 66048,
          ["SMTP:Stefan.Strasse@corp.example.com",
           "smtp:STRASSE@corp.example.com"])          # same key as Straße
        u("Åsa Öberg", "Öberg", "Åsa", "aoberg", 512,
          ["SMTP:Åsa.Öberg@corp.example.com", "smtp:ÄSA@example.org"])
        u("Ирина Иванова", "Иванова", "Ирина", "iivanova", 512,
          ["SMTP:Ирина@corp.example.com", "smtp:irina@corp.example.com"],
          mail="irina@corp.example.com")
        u("Bücher Info", "Info", "Bücher", "buecherinfo", 512,
          ["SMTP:info@Bücher.corp.example.com"])
        # Odd-case type prefix; look-alike domains that must not pass.
        u("Tricky Domains", "Domains", "Tricky", "tricky", 512,
          ["SMTP:Tricky@corp.example.com",
           "Smtp:tricky.odd@corp.example.com",
           "smtp:tricky@notcorp.example.com",
           "smtp:tricky@corp.example.com.evil.net",
           "smtp:tricky@fooexample.org",
           "smtp:tricky@example.org.evil.net",
           "smtp:tricky@partner.example.net"])
        # Exchange shared and room mailboxes are disabled accounts.
        u("Info Shared Mailbox", "Mailbox", None, "info", 514,
          ["SMTP:info@corp.example.com", "smtp:info@example.org"],
          mail="info@corp.example.com", parent=users,
          extra=[("msExchRecipientTypeDetails", "4")])
        u("Room 101", "101", None, "room-101", 66050,
          ["SMTP:Room-101@corp.example.com"], mail="Room-101@corp.example.com",
          parent=users, extra=[("msExchRecipientTypeDetails", "16"),
                               ("msExchHideFromAddressLists", "TRUE")])
        # An address that is both on a disabled and on an enabled object
        # stays in the exclude-disabled list.
        u("Former Helpdesk", "Helpdesk", None, "oldhelpdesk", 514,
          ["SMTP:old-helpdesk@corp.example.com", "smtp:helpdesk@corp.example.com"],
          parent=users)
        self.emit("cn=Helpdesk,ou=Groups," + b,
                  [("objectClass", "top"), ("objectClass", "group"), ("cn", "Helpdesk"),
                   ("groupType", "8"), ("sAMAccountName", "Helpdesk"),
                   ("mail", "Helpdesk@corp.example.com"),
                   ("proxyAddresses", "SMTP:Helpdesk@corp.example.com"),
                   ("objectCategory", self.cat("Group")), ("objectGUID", self.guid())])
        self.stats["groups"] += 1
        self.stats["groups_mail"] += 1
        if self.args.with_invalid:
            u("Broken Values", "Values", "Broken", "broken", 512,
              ["SMTP:broken.values@corp.example.com",
               "smtp:bad address@corp.example.com",
               "smtp:@corp.example.com",
               "smtp:double@@corp.example.com",
               "smtp:noat.corp.example.com",
               "smtp:ctl\x01char@corp.example.com",
               "smtp:" + "x" * 65 + "@corp.example.com",
               "smtp:"])
        if self.args.many_aliases:
            u("Alias Heavy", "Heavy", "Alias", "aliasheavy", 512,
              ["SMTP:alias.heavy@corp.example.com"] +
              ["smtp:alias%05d@corp.example.com" % k for k in range(self.args.many_aliases)])

    def groups(self):
        b = self.base
        rng = self.rng
        n = max(4, self.args.users // 100)
        for j in range(1, n + 1):
            name = "grp-%04d" % j
            dn = "cn=%s,ou=Groups,%s" % (name, b)
            attrs = [("objectClass", "top"), ("objectClass", "group"), ("cn", name),
                     ("sAMAccountName", name),
                     ("objectCategory", self.cat("Group")), ("objectGUID", self.guid())]
            mail_enabled = j % 5 != 0
            attrs.append(("groupType", "8" if mail_enabled and j % 2 else "-2147483646"))
            for _ in range(3):
                if self.args.users:
                    attrs.append(("member", self.user_dn(rng.randint(1, self.args.users))[1]))
            if mail_enabled:
                attrs += [("mail", "%s@corp.example.com" % name),
                          ("proxyAddresses", "SMTP:%s@corp.example.com" % name),
                          ("proxyAddresses", "smtp:%s@example.org" % name),
                          ("proxyAddresses", "X500:%s/cn=%s" % (EXG, name)),
                          ("displayName", "Group %d" % j)]
            self.emit(dn, attrs)
            self.stats["groups"] += 1
            self.stats["groups_mail"] += mail_enabled
        # a dynamic distribution list
        attrs = [("objectClass", "top"), ("objectClass", "msExchDynamicDistributionList"),
                 ("cn", "All Staff"), ("displayName", "All Staff (dynamic)"),
                 ("mail", "allstaff@corp.example.com"),
                 ("proxyAddresses", "SMTP:allstaff@corp.example.com"),
                 ("proxyAddresses", "smtp:allstaff@example.org"),
                 ("msExchDynamicDLFilter", "(&(objectClass=user)(mail=*))"),
                 ("msExchDynamicDLBaseDN", "ou=Staff," + b),
                 ("objectCategory", self.cat("ms-Exch-Dynamic-Distribution-List")),
                 ("objectGUID", self.guid())]
        self.emit("cn=All Staff,ou=Groups," + b, attrs)
        self.stats["dynamic_lists"] += 1

    def contacts(self):
        b = self.base
        n = max(3, self.args.users // 50)
        for j in range(1, n + 1):
            first, last = FIRST[(j * 5) % len(FIRST)], LAST[(j * 11) % len(LAST)]
            cn = "%s %s (Partner %d)" % (first, last, j)
            ext = "%s.%s%d@partner.example.net" % (first.lower(), last.lower(), j)
            attrs = [("objectClass", "top"), ("objectClass", "person"),
                     ("objectClass", "organizationalPerson"), ("objectClass", "contact"),
                     ("cn", cn), ("sn", last), ("givenName", first), ("displayName", cn),
                     ("mail", ext), ("targetAddress", "SMTP:" + ext),
                     ("proxyAddresses", "SMTP:" + ext),
                     ("objectCategory", self.cat("Person")), ("objectGUID", self.guid())]
            if j % 10 == 1:
                attrs.append(("proxyAddresses", "smtp:partner%d@corp.example.com" % j))
            if j == 2:
                attrs.append(("proxyAddresses", "smtp:josé.núñez@partner.example.net"))
            self.emit("cn=%s,ou=Contacts,%s" % (dn_escape(cn), b), attrs)
            self.stats["contacts"] += 1

    def public_folder(self):
        b = self.base
        attrs = [("objectClass", "top"), ("objectClass", "publicFolder"),
                 ("cn", "Sales Public Folder"), ("displayName", "Sales"),
                 ("mail", "pf-sales@corp.example.com"),
                 ("proxyAddresses", "SMTP:pf-sales@corp.example.com"),
                 ("proxyAddresses", "smtp:pf-sales@example.org"),
                 ("proxyAddresses", "X500:%s/cn=pf-sales" % EXG),
                 ("msExchHideFromAddressLists", "TRUE"),
                 ("objectCategory", self.cat("Public-Folder")), ("objectGUID", self.guid())]
        self.emit("cn=Sales Public Folder,cn=Microsoft Exchange System Objects," + b, attrs)
        self.stats["public_folders"] += 1

    def computers(self):
        b = self.base
        n = 3 + self.args.users // 1000
        for k in range(1, n + 1):
            name = "WS%04d" % k
            attrs = [("objectClass", "top"), ("objectClass", "person"),
                     ("objectClass", "organizationalPerson"), ("objectClass", "user"),
                     ("objectClass", "computer"), ("cn", name), ("sn", name),
                     ("sAMAccountName", name + "$"), ("userAccountControl", "4096"),
                     ("dNSHostName", "%s.corp.example.com" % name.lower()),
                     ("objectCategory", self.cat("Computer")), ("objectGUID", self.guid())]
            if k % 2:
                attrs += [("mail", "%s@corp.example.com" % name.lower()),
                          ("proxyAddresses", "SMTP:%s@corp.example.com" % name.lower())]
            self.emit("cn=%s,cn=Computers,%s" % (name, b), attrs, exported=False)
            self.stats["computers"] += 1

    def run(self):
        self.structure()
        self.specials()
        self.users()
        self.groups()
        self.contacts()
        self.public_folder()
        self.computers()


def merge_expected(flagged):
    """Sort the flagged keys in place; return (all, enabled) lists of
    unique UTF-8 keys in byte order."""
    flagged.sort()
    all_keys, enabled = [], []
    prev = None
    for item in flagged:
        key, flag = item[:-1], item[-1]
        if key != prev:
            all_keys.append(key)
            prev = key
            if flag:
                enabled.append(key)
        elif flag and (not enabled or enabled[-1] != key):
            enabled.append(key)
    return all_keys, enabled


def write_list(path, keys):
    with open(path, "wb", buffering=1 << 20) as f:
        for k in keys:
            f.write(k + b"\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="LDIF file to write ('-' = stdout)")
    ap.add_argument("--expected", required=True)
    ap.add_argument("--expected-exclude-disabled")
    ap.add_argument("--stats")
    ap.add_argument("--base", default="dc=corp,dc=example,dc=com")
    ap.add_argument("--with-base", action="store_true", help="also write the base entry")
    ap.add_argument("--with-invalid", action="store_true",
                    help="add a user with values the policy must reject")
    ap.add_argument("--many-aliases", type=int, default=0, metavar="K")
    args = ap.parse_args()
    if args.users < 0:
        ap.error("--users must be >= 0")

    if args.out == "-":
        out = open(sys.stdout.fileno(), "w", encoding="utf-8", buffering=1 << 20, closefd=False)
    else:
        out = open(args.out, "w", encoding="utf-8", buffering=1 << 20)
    gen = Generator(args, out)
    gen.run()
    out.close()

    all_keys, enabled = merge_expected(gen.expected)
    write_list(args.expected, all_keys)
    if args.expected_exclude_disabled:
        write_list(args.expected_exclude_disabled, enabled)
    if args.stats:
        st = dict(gen.stats)
        st["addresses"] = len(all_keys)
        st["addresses_enabled"] = len(enabled)
        with open(args.stats, "w") as f:
            for k in sorted(st):
                f.write("%s=%d\n" % (k, st[k]))


if __name__ == "__main__":
    main()
