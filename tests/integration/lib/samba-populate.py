#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""samba-populate.py -- fill a freshly provisioned, STOPPED Samba AD DC with an
Exchange-like directory and write the recipient lists ad2relay must export.

    /usr/bin/python3 samba-populate.py --smbconf DIR/smb.conf --dir DIR
                     [--users N] [--schema tests/data/samba/exchange-schema.ldif]

Run it with Debian's /usr/bin/python3 (it needs python3-samba), inside the
test's private network namespace (samba.sh does both), while samba is not
running.  It writes straight into sam.ldb through Samba's own module stack
(samba.samdb.SamDB, system session, one transaction), so every object is as
Samba would create it over LDAP (objectSid, objectCategory, RIDs, ...).
Cost: ~6 ms per user with these attributes (2,500 users ~17 s, growing a
little faster than linearly); ldbadd of the same LDIF is no faster (same
module stack), `samba-tool user create` is one process per user.

Passwords come from the environment (never argv): SAMBA_SVC_PASS for the
service account svc-relay, SAMBA_MACHINE_PASS for the joined computer
GATEWAY$.

What it creates (deterministic for a given N):
  * schema: msExchHideFromAddressLists, msExchRecipientTypeDetails,
    targetAddress (on mailRecipient), classes publicFolder and
    msExchDynamicDistributionList, msExchAcceptedDomain with
    msExchAcceptedDomainName and msExchAcceptedDomainFlags
    (tests/data/samba/exchange-schema.ldif)
  * OU=Staff (OU=Sales, OU=Engineering, OU=Administration), OU=Groups,
    OU=Contacts, OU=Service Accounts, CN=Microsoft Exchange System Objects
  * N staff users (sAMAccountName u00001..), in the three staff OUs and
    CN=Users: SMTP:/smtp: in corp.example.com, example.org,
    sub.corp.example.com, partner.example.net (not relayed), X500:, x500:,
    X400:, SIP: (in a relay domain: a SIP value wrongly taken for an address
    shows up), mail (sometimes in another letter case); ~1 % mail only,
    ~1 % no address at all; every 50th disabled (514 / 66050); every 101st
    msExchHideFromAddressLists TRUE (still exported)
  * specials: UTF-8 addresses (Jürgen.Müller, Straße -> strasse and
    STRASSE folding to the same key, Åsa.Öberg, Ирина, ΣΊΣΥΦΟΣ, info@
    Bücher.corp.example.com), a DN with an escaped comma, look-alike and
    non-relay domains, an odd-case "Smtp:" prefix, a disabled shared
    mailbox and a disabled room mailbox (514), a disabled former employee
    (66050) whose only address is on the disabled account
  * groups: mail-enabled distribution groups, a security group without
    mail, "Big List" with 3000 proxyAddresses values (range retrieval)
  * contacts (partner.example.net, one with an smtp: alias in
    corp.example.com), a publicFolder, an msExchDynamicDistributionList
  * computer WKS01$ with mail + proxyAddresses (must never be exported)
  * the Exchange organisation "Corp" in the configuration partition
    (CN=Microsoft Exchange,CN=Services,CN=Configuration,...) with its
    accepted domains (msExchAcceptedDomain): corp.example.com
    (authoritative, default: flags 4), *.corp.example.com (authoritative),
    example.org (internal relay, 2) -- exactly the relay domains above --,
    partner.example.net (external relay, 1) and send.example.com
    (outbound only, 256), which are not relayed
  * svc-relay (password SAMBA_SVC_PASS) -> DIR/svc.keytab
  * GATEWAY$ joined like adcli/realmd would (dNSHostName, host/ SPNs,
    password SAMBA_MACHINE_PASS) -> DIR/krb5.keytab with GATEWAY$,
    host/gateway.corp.example.com and host/GATEWAY

Writes:
  DIR/expected.txt          every exported address: users (disabled
                            included), groups, contacts, public folders,
                            dynamic lists; proxyAddresses of type smtp (any
                            case) and mail; relay domains corp.example.com,
                            .corp.example.com (subdomains), example.org;
                            folded like Postfix (ASCII lower-case, non-ASCII
                            full case folding = str.casefold() for the
                            characters used here); unique; byte-sorted
  DIR/expected-enabled.txt  the same without addresses found only on
                            disabled accounts (userAccountControl & 2)
  DIR/stats                 key=value counts
  DIR/svc.keytab, DIR/krb5.keytab
"""

import argparse
import os
import re
import sys
import time

import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

REALM = "CORP.EXAMPLE.COM"
DNSDOMAIN = "corp.example.com"
RELAY_EXACT = ("corp.example.com", "example.org")
RELAY_SUFFIX = (".corp.example.com",)

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

UF_ACCOUNTDISABLE = 0x2
UF_NORMAL_ACCOUNT = 0x200
UF_WORKSTATION_TRUST_ACCOUNT = 0x1000
UF_DONT_EXPIRE_PASSWD = 0x10000

GT_GLOBAL_DISTRIBUTION = "2"
GT_UNIVERSAL_DISTRIBUTION = "8"
GT_GLOBAL_SECURITY = "-2147483646"

BIG_VALUES = 3000


def fold(addr):
    """Postfix's key folding for the characters used here: ASCII
    lower-case, everything else full Unicode case folding (ICU
    ucasemap_utf8FoldCase == str.casefold() for these characters)."""
    return addr.casefold()


def relay(domain):
    return domain in RELAY_EXACT or domain.endswith(RELAY_SUFFIX)


def extract(attrs):
    """Addresses an object contributes: smtp-type proxyAddresses, mail."""
    out = []
    for v in attrs.get("proxyAddresses", []):
        typ, sep, rest = v.partition(":")
        if sep and typ.lower() == "smtp":
            out.append(rest)
    out.extend(attrs.get("mail", []))
    return out


class Directory:
    def __init__(self, base):
        self.base = base
        self.entries = []          # (dn, attrs)
        self.exported_all = set()
        self.exported_enabled = set()
        self.count = {}

    def add(self, dn, attrs, kind):
        """kind: user, group, contact, publicfolder, dynamic (exported) or
        computer, container, service (never exported)."""
        clean = {}
        for k, v in attrs.items():
            if v is None:
                continue
            clean[k] = v if isinstance(v, list) else [v]
        self.entries.append((dn, clean))
        self.count[kind] = self.count.get(kind, 0) + 1
        if kind not in ("user", "group", "contact", "publicfolder", "dynamic"):
            return
        uac = int(clean.get("userAccountControl", ["0"])[0])
        disabled = bool(uac & UF_ACCOUNTDISABLE)
        for a in extract(clean):
            assert a.count("@") == 1 and not a.startswith("@") and " " not in a, a
            key = fold(a)
            if not relay(key.rsplit("@", 1)[1]):
                continue
            self.exported_all.add(key)
            if not disabled:
                self.exported_enabled.add(key)

    # ---------------------------------------------------------- helpers
    def ou(self, dn, name):
        self.add(dn, {"objectClass": "organizationalUnit", "ou": name}, "container")

    def user(self, dn, sam, uac, given=None, sn=None, proxies=(), mail=None,
             extra=None, kind="user"):
        attrs = {
            "objectClass": "user",
            "sAMAccountName": sam,
            "userPrincipalName": "%s@%s" % (sam, DNSDOMAIN),
            "userAccountControl": str(uac),
            "givenName": given,
            "sn": sn,
            "displayName": " ".join(x for x in (given, sn) if x) or None,
            "proxyAddresses": list(proxies) or None,
            "mail": mail,
        }
        attrs.update(extra or {})
        self.add(dn, attrs, kind)

    def group(self, dn, sam, gtype, proxies=(), mail=None, members=None,
              extra=None):
        attrs = {
            "objectClass": "group",
            "sAMAccountName": sam,
            "groupType": gtype,
            "proxyAddresses": list(proxies) or None,
            "mail": mail,
            "member": members,
        }
        attrs.update(extra or {})
        self.add(dn, attrs, "group")

    # ---------------------------------------------------------- content
    def build(self, n_users):
        b = self.base
        self.staff = "OU=Staff," + b
        self.groups = "OU=Groups," + b
        self.contacts = "OU=Contacts," + b
        self.svc = "OU=Service Accounts," + b
        self.exsys = "CN=Microsoft Exchange System Objects," + b
        self.ou(self.staff, "Staff")
        for o in ("Sales", "Engineering", "Administration"):
            self.ou("OU=%s,%s" % (o, self.staff), o)
        self.ou(self.groups, "Groups")
        self.ou(self.contacts, "Contacts")
        self.ou(self.svc, "Service Accounts")
        self.add(self.exsys, {"objectClass": "container"}, "container")
        self.staff_dns = []
        for i in range(1, n_users + 1):
            self.staff_user(i)
        self.specials()
        self.group_objects()
        self.contact_objects()
        self.exchange_objects()
        self.computers()
        self.accepted_domains()

    def staff_parent(self, i):
        return ["OU=Sales," + self.staff, "OU=Engineering," + self.staff,
                "OU=Administration," + self.staff, "CN=Users," + self.base][i % 4]

    def staff_user(self, i):
        first = FIRST[i % len(FIRST)]
        last = LAST[(i // len(FIRST)) % len(LAST)]
        sam = "u%05d" % i
        local = "%s.%s%d" % (first, last, i)
        dn = "CN=%s %s %d,%s" % (first, last, i, self.staff_parent(i))
        self.staff_dns.append(dn)
        uac = UF_NORMAL_ACCOUNT | (UF_DONT_EXPIRE_PASSWD if i % 2 else 0)
        if i % 50 == 0:
            uac |= UF_ACCOUNTDISABLE
        proxies, mail = [], None
        if i % 89 == 0:
            pass                                   # no mailbox at all
        elif i % 97 == 0:
            mail = "%s@corp.example.com" % local   # mail only
        else:
            proxies.append("SMTP:%s@corp.example.com" % local)
            proxies.append("smtp:%s%s%d@example.org" % (first[0], last, i))
            if i % 3 == 0:
                proxies.append("smtp:%s@sub.corp.example.com" % local.lower())
            proxies.append("X500:/o=ExchangeLabs/ou=Exchange Administrative Group "
                           "(FYDIBOHF23SPDLT)/cn=Recipients/cn=%s" % sam)
            if i % 4 == 0:
                proxies.append("SIP:%s@lync.corp.example.com" % local.lower())
            if i % 7 == 0:
                proxies.append("smtp:%s@partner.example.net" % local)
            if i % 11 == 0:
                proxies.append("x500:/o=Old Org/ou=first administrative group/"
                               "cn=recipients/cn=%s" % sam)
            if i % 13 == 0:
                proxies.append("X400:c=US;a= ;p=Corp;o=Exchange;s=%s;g=%s;"
                               % (last, first))
            mail = ("%s@Corp.Example.COM" % local if i % 5 == 0
                    else "%s@corp.example.com" % local)
        extra = {}
        if i % 101 == 0:
            extra["msExchHideFromAddressLists"] = "TRUE"
        if proxies:
            extra["msExchRecipientTypeDetails"] = "1"  # UserMailbox
        self.user(dn, sam, uac, first, "%s%d" % (last, i), proxies, mail, extra)

    def specials(self):
        sales = "OU=Sales," + self.staff
        N = UF_NORMAL_ACCOUNT
        D = UF_NORMAL_ACCOUNT | UF_ACCOUNTDISABLE
        u = self.user
        u("CN=Jürgen Müller," + sales, "jmueller", N, "Jürgen", "Müller",
          ["SMTP:Jürgen.Müller@corp.example.com",
           "smtp:juergen.mueller@corp.example.com",
           "smtp:JÜRGEN@example.org"],
          mail="Jürgen.Müller@Corp.Example.com")
        u("CN=Anna Straße," + sales, "astrasse", N, "Anna", "Straße",
          ["SMTP:Straße@corp.example.com", "smtp:Anna.Straße@example.org"])
        u("CN=Anna STRASSE," + sales, "astrasse2", N, "Anna", "STRASSE",
          ["SMTP:STRASSE@corp.example.com"])
        u("CN=Åsa Öberg," + sales, "aoberg", N, "Åsa", "Öberg",
          ["SMTP:Åsa.Öberg@example.org", "smtp:asa.oberg@corp.example.com"])
        u("CN=Ирина Петрова," + sales, "ipetrova", N, "Ирина", "Петрова",
          ["SMTP:Ирина@corp.example.com", "smtp:irina.petrova@corp.example.com"])
        u("CN=Sisyphos," + sales, "sisyphos", N, None, "Sisyphos",
          ["SMTP:ΣΊΣΥΦΟΣ@example.org"])
        u("CN=Bücher Info," + sales, "buecher", N, None, "Bücher",
          ["SMTP:info@Bücher.corp.example.com"])
        u("CN=Doe\\, John," + sales, "jdoe", N, "John", "Doe",
          ["SMTP:John.Doe@corp.example.com", "smtp:jdoe@example.org"])
        u("CN=Look Alike," + sales, "lookalike", N, "Look", "Alike",
          ["SMTP:lookalike@corp.example.com",
           "smtp:lookalike@notcorp.example.com",
           "smtp:lookalike@corp.example.com.evil.net",
           "smtp:lookalike@fooexample.org",
           "smtp:lookalike@example.org.evil.net",
           "smtp:lookalike@sub.example.org",
           "smtp:lookalike@partner.example.net"])
        u("CN=Odd Prefix," + sales, "oddprefix", N, "Odd", "Prefix",
          ["Smtp:odd.prefix@corp.example.com", "sMtP:odd.alias@example.org",
           "EUM:1234;phone-context=dialplan.corp.example.com",
           "SIP:odd.prefix@corp.example.com"])
        # Exchange shared and room mailboxes are disabled accounts.
        u("CN=Shared Info,CN=Users," + self.base, "shared-info", D, None, None,
          ["SMTP:info@corp.example.com", "smtp:info@example.org",
           "smtp:sales@corp.example.com"],
          mail="info@corp.example.com",
          extra={"msExchRecipientTypeDetails": "4"})      # SharedMailbox
        u("CN=Room Berlin,CN=Users," + self.base, "room-berlin", D, None, None,
          ["SMTP:Room.Berlin@corp.example.com", "smtp:room.berlin@example.org"],
          extra={"msExchRecipientTypeDetails": "16",      # RoomMailbox
                 "msExchHideFromAddressLists": "TRUE"})
        u("CN=Former Employee,CN=Users," + self.base, "former", D | UF_DONT_EXPIRE_PASSWD,
          "Former", "Employee",
          ["SMTP:former.employee@corp.example.com",
           "smtp:former@sub.corp.example.com"])

    def group_objects(self):
        g = self.groups
        x500 = "X500:/o=ExchangeLabs/ou=Exchange Administrative Group " \
               "(FYDIBOHF23SPDLT)/cn=Recipients/cn=%s"
        self.group("CN=Sales Team," + g, "sales-team", GT_UNIVERSAL_DISTRIBUTION,
                   ["SMTP:sales@corp.example.com", "smtp:Sales@example.org",
                    x500 % "sales-team"], mail="sales@corp.example.com",
                   members=self.staff_dns[0:20:4])
        self.group("CN=All Staff," + g, "all-staff", GT_UNIVERSAL_DISTRIBUTION,
                   ["SMTP:AllStaff@corp.example.com", "smtp:all@example.org"],
                   mail="allstaff@corp.example.com", members=self.staff_dns[:25])
        self.group("CN=Helpdesk," + g, "helpdesk", GT_GLOBAL_DISTRIBUTION,
                   mail="helpdesk@it.corp.example.com")
        self.group("CN=Engineering Admins," + g, "eng-admins", GT_GLOBAL_SECURITY,
                   members=self.staff_dns[1:10:3])
        big = ["SMTP:biglist@corp.example.com", x500 % "biglist"]
        big += ["smtp:biglist.%04d@corp.example.com" % k
                for k in range(1, BIG_VALUES - len(big) + 1)]
        assert len(big) == BIG_VALUES
        self.big_dn = "CN=Big List," + g
        self.group(self.big_dn, "big-list", GT_UNIVERSAL_DISTRIBUTION, big,
                   mail="biglist@corp.example.com")

    def contact_objects(self):
        c = self.contacts
        self.add("CN=Partner Person," + c, {
            "objectClass": "contact", "displayName": "Partner Person",
            "mail": "partner.person@partner.example.net",
            "proxyAddresses": ["SMTP:partner.person@partner.example.net"],
            "targetAddress": "SMTP:partner.person@partner.example.net"}, "contact")
        self.add("CN=Partner Alias," + c, {
            "objectClass": "contact", "displayName": "Partner Alias",
            "mail": "alias@partner.example.net",
            "proxyAddresses": ["SMTP:alias@partner.example.net",
                               "smtp:partner.alias@corp.example.com"],
            "targetAddress": "SMTP:alias@partner.example.net"}, "contact")
        self.add("CN=External Contact," + c, {
            "objectClass": "contact",
            "mail": "ext.contact@Example.ORG"}, "contact")

    def exchange_objects(self):
        self.add("CN=Support Folder," + self.exsys, {
            "objectClass": "publicFolder", "displayName": "Support Folder",
            "mail": "support@corp.example.com",
            "proxyAddresses": ["SMTP:support@corp.example.com",
                               "smtp:support@example.org"]}, "publicfolder")
        self.add("CN=Dyn Sales," + self.groups, {
            "objectClass": "msExchDynamicDistributionList",
            "displayName": "Dyn Sales",
            "mail": "dyn.sales@corp.example.com",
            "proxyAddresses": ["SMTP:dyn.sales@corp.example.com"]}, "dynamic")

    def accepted_domains(self):
        """Exchange's accepted domains, where Exchange keeps them."""
        cfg = "CN=Configuration," + self.base
        path = []
        for cn in ("Microsoft Exchange", "Corp", "Transport Settings",
                   "Accepted Domains"):
            path.insert(0, "CN=" + cn)
            self.add(",".join(path) + ",CN=Services," + cfg,
                     {"objectClass": "container"}, "container")
        parent = ",".join(path) + ",CN=Services," + cfg
        for cn, name, flags in (("corp.example.com", "corp.example.com", 4),
                                ("Subdomains", "*.corp.example.com", 0),
                                ("example.org", "example.org", 2),
                                ("Partner", "partner.example.net", 1),
                                ("Send Only", "send.example.com", 256)):
            self.add("CN=%s,%s" % (cn, parent),
                     {"objectClass": "msExchAcceptedDomain",
                      "msExchAcceptedDomainName": name,
                      "msExchAcceptedDomainFlags": str(flags)},
                     "accepteddomain")
        self.accepted_dn = parent

    def computers(self):
        self.add("CN=WKS01,CN=Computers," + self.base, {
            "objectClass": "computer", "sAMAccountName": "WKS01$",
            "userAccountControl": str(UF_WORKSTATION_TRUST_ACCOUNT),
            "dNSHostName": "wks01.corp.example.com",
            "mail": "wks01@corp.example.com",
            "proxyAddresses": ["SMTP:wks01@corp.example.com",
                               "smtp:wks01@example.org"]}, "computer")


def load_schema(db, path):
    text = open(path, encoding="utf-8").read()
    text = text.replace("${SCHEMA}", str(db.get_schema_basedn()))
    for part in re.split(r"^#--- schemaUpdateNow ---$", text, flags=re.M):
        # ldb's LDIF reader wants no comment lines and no leading blank lines
        part = "\n".join(line for line in part.splitlines()
                         if not line.startswith("#")).strip() + "\n"
        db.transaction_start()
        try:
            for changetype, msg in db.parse_ldif(part):
                if changetype == ldb.CHANGETYPE_MODIFY:
                    db.modify(msg)
                else:
                    db.add(msg)
        except Exception:
            db.transaction_cancel()
            raise
        db.transaction_commit()
        db.modify_ldif("dn:\nchangetype: modify\nadd: schemaUpdateNow\n"
                       "schemaUpdateNow: 1\n")


def write_list(path, keys):
    with open(path, "wb") as f:
        for k in sorted(k.encode("utf-8") for k in keys):
            f.write(k + b"\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smbconf", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--users", type=int, default=2500)
    ap.add_argument("--schema", required=True)
    args = ap.parse_args()
    svc_pass = os.environ["SAMBA_SVC_PASS"]
    machine_pass = os.environ["SAMBA_MACHINE_PASS"]

    t0 = time.time()
    lp = LoadParm()
    lp.load(args.smbconf)
    lp.set("dsdb:schema update allowed", "true")
    db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
    load_schema(db, args.schema)
    # Reopen so that the new schema is the one the module stack uses.
    db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
    t_schema = time.time() - t0

    base = str(db.get_default_basedn())
    d = Directory(base)
    d.build(args.users)
    t1 = time.time()
    db.transaction_start()
    try:
        for dn, attrs in d.entries:
            msg = {"dn": dn}
            msg.update(attrs)
            try:
                db.add(msg)
            except ldb.LdbError as e:
                raise SystemExit("samba-populate: adding %s: %s" % (dn, e.args[1]))
    except BaseException:
        db.transaction_cancel()
        raise
    db.transaction_commit()
    t_add = time.time() - t1

    # svc-relay: a service account with a known password (simple bind over
    # LDAPS, GSSAPI from DIR/svc.keytab).
    svc_dn = "CN=svc-relay," + d.svc
    db.add({"dn": svc_dn, "objectClass": "user", "sAMAccountName": "svc-relay",
            "userPrincipalName": "svc-relay@" + DNSDOMAIN,
            "description": "ad2relay test service account",
            "userAccountControl": str(UF_NORMAL_ACCOUNT | UF_ACCOUNTDISABLE)})
    db.setpassword("(sAMAccountName=svc-relay)", svc_pass)   # also enables
    db.modify_ldif("dn: %s\nchangetype: modify\nreplace: userAccountControl\n"
                   "userAccountControl: %d\n"
                   % (svc_dn, UF_NORMAL_ACCOUNT | UF_DONT_EXPIRE_PASSWD))

    # GATEWAY$: a Linux gateway joined the way adcli/realmd join.
    gw_dn = "CN=GATEWAY,CN=Computers," + base
    db.add({"dn": gw_dn, "objectClass": "computer", "sAMAccountName": "GATEWAY$",
            "dNSHostName": "gateway." + DNSDOMAIN,
            "operatingSystem": "Debian GNU/Linux",
            "servicePrincipalName": ["host/gateway." + DNSDOMAIN, "host/GATEWAY",
                                     "RestrictedKrbHost/gateway." + DNSDOMAIN,
                                     "RestrictedKrbHost/GATEWAY"],
            "userAccountControl": str(UF_WORKSTATION_TRUST_ACCOUNT | UF_ACCOUNTDISABLE)})
    db.setpassword("(sAMAccountName=GATEWAY$)", machine_pass)
    db.modify_ldif("dn: %s\nchangetype: modify\nreplace: userAccountControl\n"
                   "userAccountControl: %d\n" % (gw_dn, UF_WORKSTATION_TRUST_ACCOUNT))
    del db

    # Keytabs, as `samba-tool domain exportkeytab --principal=...` writes them.
    from samba import enable_net_export_keytab
    from samba.net import Net
    enable_net_export_keytab()
    net = Net(None, lp)
    out = os.path.abspath(args.dir)
    # export_keytab logs "Export one principal to ..." for every principal:
    # hush fds 1 and 2 meanwhile (a failure still raises, reported after).
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        for kt, principals in (
                ("svc.keytab", ["svc-relay@" + REALM]),
                ("krb5.keytab", ["GATEWAY$@" + REALM,
                                 "host/gateway.%s@%s" % (DNSDOMAIN, REALM),
                                 "host/GATEWAY@" + REALM])):
            path = os.path.join(out, kt)
            if os.path.exists(path):
                os.unlink(path)
            for p in principals:
                net.export_keytab(keytab=path, principal=p)
            os.chmod(path, 0o600)
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved + [devnull]:
            os.close(fd)

    write_list(os.path.join(out, "expected.txt"), d.exported_all)
    write_list(os.path.join(out, "expected-enabled.txt"), d.exported_enabled)
    with open(os.path.join(out, "stats"), "w") as f:
        f.write("staff_users=%d\n" % args.users)
        for k in sorted(d.count):
            f.write("objects_%s=%d\n" % (k, d.count[k]))
        f.write("expected=%d\n" % len(d.exported_all))
        f.write("expected_enabled=%d\n" % len(d.exported_enabled))
        f.write("big_dn=%s\n" % d.big_dn)
        f.write("big_values=%d\n" % BIG_VALUES)
        f.write("accepted_dn=%s\n" % d.accepted_dn)
        f.write("seconds_schema=%.1f\nseconds_add=%.1f\n" % (t_schema, t_add))
    print("samba-populate: %d objects (%s), %d addresses expected "
          "(%d enabled); schema %.1fs, add %.1fs"
          % (len(d.entries), ", ".join("%s %d" % kv for kv in sorted(d.count.items())),
             len(d.exported_all), len(d.exported_enabled), t_schema, t_add),
          file=sys.stderr)


if __name__ == "__main__":
    main()
