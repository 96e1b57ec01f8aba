# SPDX-License-Identifier: BSD-2-Clause
"""samba-deleted-acl.py SMBCONF SID - let SID list and read CN=Deleted Objects
(samba-tool dsacl cannot see that container): with the right Replicating
Directory Changes, Samba's DirSync then reports deleted objects to SID."""
import sys

import ldb
from samba.auth import system_session
from samba.dcerpc import security
from samba.ndr import ndr_pack, ndr_unpack
from samba.param import LoadParm
from samba.samdb import SamDB

lp = LoadParm()
lp.load(sys.argv[1])
db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
dn = "CN=Deleted Objects," + str(db.get_default_basedn())
ctl = ["show_deleted:1", "sd_flags:1:4"]
res = db.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["nTSecurityDescriptor"], controls=ctl)
sid = security.dom_sid(db.get_domain_sid())
sd = ndr_unpack(security.descriptor, res[0]["nTSecurityDescriptor"][0])
sddl = sd.as_sddl(sid)
i = sddl.index("D:") + 2
while sddl[i] != "(":
    i += 1
new = sddl[:i] + "(A;CI;RPLCLORC;;;%s)" % sys.argv[2] + sddl[i:]
m = ldb.Message()
m.dn = ldb.Dn(db, dn)
m["nTSecurityDescriptor"] = ldb.MessageElement(
    ndr_pack(security.descriptor.from_sddl(new, sid)), ldb.FLAG_MOD_REPLACE,
    "nTSecurityDescriptor")
db.modify(m, controls=ctl)
