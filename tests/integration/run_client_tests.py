#!/usr/bin/python3
"""run_client_tests - the IMAP and SMTP client modules against real servers.

    tests/integration/run_client_tests.py [BUILD_DIR] [--bulk N] [--only imap|smtp]

BUILD_DIR holds itests/test_imap and itests/test_smtp (default build/asan).
Starts Dovecot and the SMTP sink (and MariaDB, whose CTD_DB_* variables
are passed along), appends the test mails, runs the two cmocka programs
with CTD_* variables, then checks through the harness what they changed.
Exit status 0 only if everything passed.
"""

import argparse
import base64
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import Servers, Dovecot  # noqa: E402

CRLF = b"\r\n"


def mail(subject, body, extra=b"", frm=b"customer@example.com"):
    head = (b"From: " + frm + CRLF + b"To: complaints@example.com" + CRLF +
            b"Subject: " + subject + CRLF +
            b"Date: Mon, 02 Jun 2025 10:00:00 +0800" + CRLF +
            b"Message-ID: <" + os.urandom(6).hex().encode() + b"@test>" + CRLF +
            extra)
    return head + CRLF + body


def fixtures():
    rnd = random.Random(42)
    out = []
    out.append(mail(b"Broken kettle", b"The kettle I bought leaks." + CRLF))
    gbk = "我购买的电水壶质量有问题，漏水严重，要求退货退款。".encode("gbk")
    out.append(mail(b"=?GBK?B?" + base64.b64encode("投诉".encode("gbk")) + b"?=",
                    gbk + CRLF + gbk + CRLF,
                    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=GBK"
                    b"\r\nContent-Transfer-Encoding: 8bit\r\n"))
    out.append(mail(b"to be moved", b"move me" + CRLF))
    blob = base64.encodebytes(bytes(rnd.getrandbits(8) for _ in range(1_500_000)))
    out.append(mail(b"big attachment (2 MB)",
                    b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
                    b"--b\r\nContent-Type: application/octet-stream\r\n"
                    b"Content-Transfer-Encoding: base64\r\n\r\n" +
                    blob.replace(b"\n", CRLF) + b"--b--\r\n",
                    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
                    b"boundary=b\r\n"))
    # lines that look like curl's command tags and like FETCH responses:
    # curl ends a command at such a line, the client must notice and recover
    mimic = b"".join(b"%c%03d OK done\r\n" % (c, n)
                     for c in range(ord("A"), ord("Z") + 1) for n in range(1000))
    out.append(mail(b"tag lookalikes",
                    b"* 1 FETCH (UID 1 BODY[] {5}\r\n" + mimic + b")\r\n"))
    # one line longer than curl's line buffer
    out.append(mail(b"long line", b"x" * 700_000 + CRLF))
    out.append(mail(b"binary-ish 8bit", bytes(range(1, 10)) +
                    bytes(range(11, 13)) + bytes(range(14, 256)) + CRLF))
    for i in range(5):
        out.append(mail(b"small %d" % i, (b"line %d of a complaint\r\n" % i) * 20))
    out.append(mail(b"empty body", b""))
    return out


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
            print(f"ok - {what}")
        else:
            self.failed += 1
            print(f"not ok - {what}")


def run_prog(path, env):
    print(f"# running {path}", flush=True)
    r = subprocess.run([path], env=env)
    return r.returncode == 0


def imap_part(s, build, args, chk):
    dv = s.dovecot
    fx = fixtures()
    uids = dv.append_many("alice", "INBOX", fx)
    fxdir = tempfile.mkdtemp(prefix="fixtures-", dir=dv.root)
    for uid, raw in zip(uids, fx):
        with open(os.path.join(fxdir, f"{uid}.eml"), "wb") as f:
            f.write(raw)
    env = dict(os.environ, **s.env(), CTD_IMAP_FIXTURES=fxdir,
               CTD_IMAP_OAUTH_TOKEN=dv.oauth_token("alice"))
    if args.bulk:
        bulk = [mail(b"bulk %d" % i, (b"%-74d\r\n" % i) * 52) for i in range(args.bulk)]
        dv.append_many("bob", "INBOX", bulk)
        env.update(CTD_IMAP_BULK_USER="bob",
                   CTD_IMAP_BULK_PASSWORD=dv.users["bob"],
                   CTD_IMAP_BULK_COUNT=str(args.bulk))
    chk.check(run_prog(os.path.join(build, "itests/test_imap"), env),
              "test_imap")
    # what the C program changed, seen by another IMAP client
    flags = dv.flags("alice", "INBOX")
    chk.check("\\Seen" in flags.get(uids[0], ()), "mark_seen set \\Seen")
    chk.check("$Quarantined" in flags.get(uids[1], ()),
              "add_keyword set $Quarantined")
    chk.check(uids[2] not in flags, "moved message left INBOX")
    seen = [u for u, f in flags.items() if "\\Seen" in f]
    chk.check(seen == [uids[0]], f"fetching set no \\Seen (seen: {seen})")
    chk.check(dv.count("alice", "Processed") == 1 and
              dv.fetch_raw("alice", "Processed", 1) == fx[2],
              "Processed holds the moved message, byte for byte")
    with open(dv.log, errors="replace") as f:
        logins = sum(1 for line in f
                     if "Login: user=<bob>" in line)
    if args.bulk:
        print(f"# bulk fetch used {logins} login(s) for bob")
        chk.check(1 <= logins <= 2, "bulk fetch reused one connection")


def smtp_part(s, build, args, chk):
    env = dict(os.environ, **s.env())
    chk.check(run_prog(os.path.join(build, "itests/test_smtp"), env),
              "test_smtp")
    msgs = s.sink.messages()
    ok = [m for m in msgs if m["rcpt_tos"] == ["ok@example.com"]]
    chk.check(len(ok) >= 1, "sink received mail for ok@example.com")
    crlf = [m for m in msgs if b"X-Test: crlf" in m["data"]]
    chk.check(crlf and all(b"\n" not in m["data"].replace(CRLF, b"")
                           for m in crlf),
              "bare LF and CR became CRLF")
    dots = [m for m in msgs if b"X-Test: dots" in m["data"]]
    chk.check(dots and b"\r\n.leading dot\r\n" in dots[0]["data"],
              "dot-stuffing undone by the server: line kept its dot")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default="build/asan")
    ap.add_argument("--bulk", type=int, default=3000,
                    help="4 KB messages for the fetch throughput figure")
    ap.add_argument("--only", choices=("imap", "smtp"))
    args = ap.parse_args()
    chk = Checks()
    with Servers(db=True, imap=True, smtp=True) as s:
        if args.only in (None, "imap"):
            imap_part(s, args.build, args, chk)
        if args.only in (None, "smtp"):
            smtp_part(s, args.build, args, chk)
    print(f"client tests: {chk.passed} passed, {chk.failed} failed")
    return 0 if chk.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
