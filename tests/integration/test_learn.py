#!/usr/bin/python3
"""`complaintctl rules corrections --export DIR` against real MariaDB,
Dovecot and the SMTP sink: staff correct a complaint's classification by
mail (#category, #severity, then #category again); the export writes that
complaint's first inbound mail with the staff's last labels at the top,
leaves out a complaint staff only answered (#status), and what it writes is
read by `rules eval` and `rules learn` as labelled mail.

usage: test_learn.py BINDIR [TEST ...]"""

import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from daemon_env import run_tests, wait_for, wait_settled  # noqa: E402
from test_staff import (case, customer_mail, daemon, deliver, events,  # noqa: E402
                        first_complaint, mails, staff_reply)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_corrections_export(srv, bindir):
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, mid, note = first_complaint(srv, d, "电水壶漏水", "底座漏水，要求换货。")
        cid = case(srv, ref)["id"]
        # commands alone: a B complaint's answer waits for an approved plan
        deliver(srv, staff_reply(note, "#category service\n#severity B\n"))
        wait_for("first correction", lambda: case(srv, ref)["category"] == "service", 60)
        deliver(srv, staff_reply(note, "#category price\n#note 实为差价问题"))
        wait_for("second correction", lambda: case(srv, ref)["category"] == "price", 60)
        assert len(events(srv, cid, "commands")) == 2

        # a complaint staff answered without correcting it is no example
        before = len(mails(srv, kind="notify"))
        deliver(srv, customer_mail("Late parcel", "My parcel is three days late.",
                                   sender="late@customer.example")[0])
        wait_for("second notification", lambda: len(mails(srv, kind="notify")) > before, 60)
        note2 = mails(srv, kind="notify")[-1]
        ref2 = re.search(r"\[(CMP-\d{8}-\d+)\]", note2["Subject"]).group(1)
        deliver(srv, staff_reply(note2, "#status in_progress\n\nWe are on it."))
        wait_for("status", lambda: case(srv, ref2)["status"] == "in_progress", 60)
        wait_settled(srv)

        out = tempfile.mkdtemp(prefix="corrections-")
        r = d.ctl("rules", "corrections", "--export", out)
        assert "1 corrected complaint, 1 written" in r.stdout.decode(), r.stdout
        assert os.listdir(out) == [ref + ".eml"], os.listdir(out)
        with open(os.path.join(out, ref + ".eml"), "rb") as f:
            raw = f.read()
        head = raw.split(b"\r\n")[:3]
        assert head == [b"X-Expected-Category: price", b"X-Expected-Severity: B",
                        b"X-Complaint-Ref: " + ref.encode()], head
        assert f"Message-ID: <{mid}>".encode() in raw, "not the customer's own mail"
        assert "底座漏水".encode() in raw

        r = d.ctl("--json", "rules", "corrections", "--export", out)
        doc = json.loads(r.stdout)
        assert doc["written"] == 1 and doc["corrections"][0]["ref"] == ref, doc
        assert doc["corrections"][0]["category"] == "price", doc

        # what it wrote is labelled mail to eval and learn
        r = d.ctl("--json", "rules", "eval", "--rules", os.path.join(ROOT, "rules"), out)
        ev = json.loads(r.stdout)
        assert ev["messages"] == 1 and ev["skipped"] == [], ev
        assert ev["category_matrix"]["rows"][2] != [0, 0, 0, 0, 0], ev  # expected price
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


TESTS = [test_corrections_export]


def main():
    return run_tests("learn", TESTS, sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
