#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""postfix_probe.py - one SMTP session that asks for recipients, sends no mail.

usage: postfix_probe.py [--smtputf8] [--from ADDR] [--host H] PORT RCPT...

Connects to H:PORT (default 127.0.0.1), EHLO, MAIL FROM:<ADDR> (with the
SMTPUTF8 parameter when --smtputf8 is given: the server must advertise
it), then one RCPT TO per RCPT argument, then RSET and QUIT.  No DATA, so
nothing is ever queued for delivery.  Prints one line per recipient:

    CODE DSN RCPT<TAB>TEXT

CODE is the three-digit reply code, DSN the enhanced status code (or "-"),
RCPT the address as given (UTF-8), TEXT the reply text after the enhanced
code (all lines joined by a space).  Exits 0 when the session ran (whatever
the RCPT replies), 2 when the session itself failed (connect, banner,
EHLO, MAIL, missing SMTPUTF8), with a message on stderr.
"""
import argparse
import re
import smtplib
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smtputf8", action="store_true")
    ap.add_argument("--from", dest="sender", default="probe@client.test.invalid")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("port", type=int)
    ap.add_argument("rcpt", nargs="+")
    a = ap.parse_args()
    out = sys.stdout
    try:
        s = smtplib.SMTP(a.host, a.port, local_hostname="client.test.invalid",
                         timeout=a.timeout)
    except (OSError, smtplib.SMTPException) as e:
        print("postfix_probe: connect %s:%d: %s" % (a.host, a.port, e), file=sys.stderr)
        return 2
    try:
        code, msg = s.ehlo()
        if code != 250:
            print("postfix_probe: EHLO: %d %r" % (code, msg), file=sys.stderr)
            return 2
        opts = []
        if a.smtputf8:
            if not s.has_extn("smtputf8"):
                print("postfix_probe: server does not advertise SMTPUTF8", file=sys.stderr)
                return 2
            opts.append("SMTPUTF8")   # also makes smtplib send UTF-8 commands
        code, msg = s.mail(a.sender, opts)
        if code != 250:
            print("postfix_probe: MAIL FROM: %d %r" % (code, msg), file=sys.stderr)
            return 2
        for r in a.rcpt:
            code, msg = s.rcpt(r)
            text = " ".join(msg.decode("utf-8", "replace").splitlines())
            m = re.match(r"([245]\.\d{1,3}\.\d{1,3})\s+(.*)", text)
            dsn, text = (m.group(1), m.group(2)) if m else ("-", text)
            out.write("%d %s %s\t%s\n" % (code, dsn, r, text))
        s.rset()
        s.quit()
    except (OSError, smtplib.SMTPException) as e:
        print("postfix_probe: session failed: %s" % e, file=sys.stderr)
        return 2
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
