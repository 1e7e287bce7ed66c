#!/usr/bin/python3
"""Complaints taken by staff, against real MariaDB and the SMTP sink
(policy 000, 001 第十二条: complaints by hotline, in stores, on WeChat):
complaintctl add and POST /api/v1/complaints with an API key record a
complaint with its channel, the staff member (or key) that took it and the
customer's phone; it is classified, routed and given deadlines like any
other; the acknowledgement goes out only where an e-mail address is known,
the department's notification always; show, list and export show channel,
taker and phone, list --channel and --phone filter.

usage: test_intake.py BINDIR [TEST ...]"""

import csv
import io
import json
import os
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ctl_env import SANITIZER_MARKS  # noqa: E402
from daemon_env import (Daemon, complaints, query, run_tests, scalar,  # noqa: E402
                        wait_for, wait_settled, write_secret)
from test_staff import CALENDAR, DEPT, STAFF_DOMAIN, mails, text_of  # noqa: E402

AGENT = f"agent.li@{STAFF_DOMAIN}"
CUSTOMER = "zhao.min@customer.example"
PHONE_TYPED = "+86 139-1234 5678"
PHONE = "+8613912345678"
QUALITY = "我买的电水壶用了两天就漏水了，底座有裂纹，要求退货。"


def daemon(srv, bindir, web=False, start=True, **extra):
    groups = {
        "staff": {"domains": STAFF_DOMAIN, "secret_file": "staff.key", "lang": "zh"},
        "routes": dict(DEPT),
        "deadlines": {"calendar_file": "calendar"},
    }
    for group, keys in extra.items():
        groups.setdefault(group, {}).update(keys)
    d = Daemon(srv, bindir, mailboxes=[], extra=groups, web=web)
    write_secret(os.path.join(d.dir, "staff.key"), "k3y-intake-" + uuid.uuid4().hex)
    with open(os.path.join(d.dir, "calendar"), "w") as f:
        f.write(CALENDAR)
    d.migrate()
    if start:
        d.start()
    return d


def add(d, *args, text=None, stdin=None):
    """complaintctl add: (returncode, stdout, stderr) as text."""
    argv = [os.path.join(d.bindir, "complaintctl"), "-c", d.conf, "add", *args]
    if text is not None:
        argv += ["--text", text]
    r = subprocess.run(argv, input=stdin if stdin is not None else b"",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = r.stdout.decode(), r.stderr.decode("utf-8", "replace")
    for mark in SANITIZER_MARKS:
        assert mark not in err, err
    return r.returncode, out, err


def ctl(d, *args):
    r = d.ctl(*args)
    return r.stdout.decode()


def case(srv, ref):
    rows = query(srv, "SELECT channel, taken_by, customer_phone, customer_addr, customer_name,"
                 " department, category, due_feedback, id FROM complaints WHERE ref = %s",
                 (ref,))
    assert len(rows) == 1, (ref, rows)
    keys = ("channel", "taken_by", "phone", "addr", "name", "department", "category",
            "due_feedback", "id")
    return dict(zip(keys, rows[0]))


def outbox_kinds(srv, ref):
    return sorted(r[0] for r in query(srv, "SELECT o.kind FROM outbox o JOIN complaints c"
                                      " ON c.id = o.complaint_id WHERE c.ref = %s", (ref,)))


def test_add_phone_without_email(srv, bindir):
    """A hotline complaint with only a phone number: stored with channel,
    taker and the phone in its stored form, routed and given deadlines,
    the department told (with the phone and the taker), no ack queued."""
    d = daemon(srv, bindir)
    try:
        rc, out, err = add(d, "--channel", "phone", "--taken-by", AGENT.upper(),
                           "--phone", PHONE_TYPED, "--name", "赵敏", text=QUALITY)
        assert rc == 0, (rc, out, err)
        ref = out.split()[0]
        assert out.split()[1].rstrip(",") == "new" and "answer by 20" in out, out
        c = case(srv, ref)
        assert c["channel"] == "phone" and c["taken_by"] == AGENT, c
        assert c["phone"] == PHONE and c["addr"] == "" and c["name"] == "赵敏", c
        assert c["category"] == "quality" and c["department"] == DEPT["quality-dept"], c
        assert c["due_feedback"] is not None, c
        actor = scalar(srv, "SELECT actor FROM events WHERE complaint_id = %s AND"
                       " kind = 'received'", (c["id"],))
        assert actor == AGENT, actor
        wait_settled(srv)
        assert outbox_kinds(srv, ref) == ["notify"], outbox_kinds(srv, ref)
        notes = mails(srv, rcpt=DEPT["quality-dept"], kind="notify")
        assert len(notes) == 1, notes
        body = text_of(notes[0])
        assert PHONE in body and AGENT in body and "电话" in body, body
        assert "没有留下电子邮箱" in body, body
        d.assert_clean_log()
    finally:
        d.close()


def test_add_with_email_acknowledged(srv, bindir):
    """At the counter with an e-mail address (text on standard input): the
    customer gets the acknowledgement, the department the notification."""
    d = daemon(srv, bindir)
    try:
        rc, out, err = add(d, "--channel", "counter", "--taken-by", AGENT,
                           "--email", CUSTOMER, "--subject", "柜台投诉 漏水",
                           stdin=QUALITY.encode())
        assert rc == 0, (rc, out, err)
        ref = out.split()[0]
        c = case(srv, ref)
        assert c["channel"] == "counter" and c["addr"] == CUSTOMER and c["phone"] == "", c
        wait_for("the ack", lambda: mails(srv, rcpt=CUSTOMER, kind="ack"), 60)
        wait_settled(srv)
        assert outbox_kinds(srv, ref) == ["ack", "notify"], outbox_kinds(srv, ref)
        subject = query(srv, "SELECT subject FROM complaints WHERE ref = %s", (ref,))[0][0]
        assert subject == "柜台投诉 漏水", subject
        d.assert_clean_log()
    finally:
        d.close()


def test_add_usage(srv, bindir):
    """Every check answers exit 2 with the option named, and stores nothing:
    no channel, a channel that is not staff's, a taker who is not staff,
    neither e-mail nor phone, CR/LF in the name or subject (must never
    reach a mail header), invalid UTF-8, a text over the limit."""
    d = daemon(srv, bindir, start=False)
    try:
        base = ["--taken-by", AGENT, "--phone", PHONE_TYPED]
        cases = [
            ([*base], "--channel is required"),
            (["--channel", "email", *base], "--channel must be"),
            (["--channel", "fax", *base], "--channel must be"),
            (["--channel", "phone", "--taken-by", "someone@else.example",
              "--phone", PHONE_TYPED], "--taken-by must be a staff address"),
            (["--channel", "phone", "--taken-by", "李经理", "--phone", PHONE_TYPED],
             "--taken-by must be a staff address"),
            (["--channel", "phone", "--taken-by", AGENT], "--email or phone is needed"),
            (["--channel", "phone", *base, "--phone", "123"], "--phone was given twice"),
            (["--channel", "phone", "--taken-by", AGENT, "--phone", "call me"],
             "--phone is not a phone number"),
            (["--channel", "phone", *base, "--email", "a@b"], "--email is not an e-mail"),
            (["--channel", "phone", *base, "--name", "Eve\r\nBcc: victim@example.com"],
             "--name holds control characters"),
            (["--channel", "phone", *base, "--subject", "x\nBcc: victim@example.com"],
             "--subject holds control characters"),
            (["--channel", "phone", *base, "--text", "x" * 20001], "--text is too long"),
            (["--channel", "phone", *base, "--text", "   "], "--text is required"),
            (["--channel", "phone", *base, "--token", "short"], "--token must be"),
            (["--channel", "phone", *base, "--frobnicate", "1"], "unknown option"),
        ]
        for args, why in cases:
            if "--text" not in args:
                args = [*args, "--text", QUALITY]
            rc, out, err = add(d, *args)
            assert rc == 2 and why in err, (args, rc, out, err)
        rc, out, err = add(d, "--channel", "phone", *base, stdin=b"\xff\xfe broken")
        assert rc == 2 and "--text is not valid UTF-8" in err, (rc, err)
        assert complaints(srv) == 0
        help_text = ctl(d, "add", "--help")
        assert "--taken-by STAFF" in help_text and "--channel CH" in help_text, help_text
    finally:
        d.close()


def test_add_token_once(srv, bindir):
    """The same --token again (a retried command) is a duplicate: the first
    complaint's reference, nothing stored twice, one notification."""
    d = daemon(srv, bindir)
    try:
        token = uuid.uuid4().hex
        args = ["--channel", "wechat", "--taken-by", AGENT, "--phone", PHONE_TYPED,
                "--token", token]
        rc, first, err = add(d, "--json", *args, text=QUALITY)
        assert rc == 0, err
        rc, again, err = add(d, "--json", *args, text=QUALITY)
        assert rc == 0, err
        first, again = json.loads(first), json.loads(again)
        assert first["status"] == "new" and again["status"] == "duplicate", (first, again)
        assert first["ref"] == again["ref"] and complaints(srv) == 1
        rc, other, err = add(d, *args[:-1], uuid.uuid4().hex, text=QUALITY)
        assert rc == 0 and other.split()[0] != first["ref"] and complaints(srv) == 2
        wait_settled(srv)
        assert len(mails(srv, kind="notify")) == 2
    finally:
        d.close()


def test_show_list_export(srv, bindir):
    """show names channel, taker and phone; list shows the phone where there
    is no address and filters by --channel and --phone (however written);
    --json list and export carry taken_by and the phone; --no-pii drops
    the phone but keeps the taker (a staff address: the company's record)."""
    d = daemon(srv, bindir, start=False)
    try:
        rc, out, err = add(d, "--channel", "letter", "--taken-by", AGENT,
                           "--phone", PHONE_TYPED, text=QUALITY)
        assert rc == 0, err
        phone_ref = out.split()[0]
        rc, out, err = add(d, "--channel", "counter", "--taken-by", AGENT,
                           "--email", CUSTOMER, text=QUALITY)
        assert rc == 0, err
        mail_ref = out.split()[0]
        shown = ctl(d, "show", phone_ref)
        assert "letter" in shown and AGENT in shown and PHONE in shown, shown
        js = json.loads(ctl(d, "--json", "show", phone_ref))
        assert js["channel"] == "letter" and js["taken_by"] == AGENT, js
        assert js["customer"]["phone"] == PHONE, js
        listed = ctl(d, "list")
        line = [x for x in listed.splitlines() if x.startswith(phone_ref)][0]
        assert PHONE in line, listed
        only = ctl(d, "list", "--channel", "letter")
        assert phone_ref in only and mail_ref not in only, only
        by_phone = ctl(d, "list", "--phone", "+86 (139) 1234-5678")
        assert phone_ref in by_phone and mail_ref not in by_phone, by_phone
        assert "0 complaints" in ctl(d, "list", "--channel", "wechat")
        r = d.ctl("list", "--channel", "fax", check=False)
        assert r.returncode == 2, r
        items = json.loads(ctl(d, "--json", "list", "--channel", "letter"))
        assert items[0]["taken_by"] == AGENT and items[0]["customer"]["phone"] == PHONE
        rows = list(csv.DictReader(io.StringIO(ctl(d, "export"))))
        row = [x for x in rows if x["ref"] == phone_ref][0]
        assert row["channel"] == "letter" and row["taken_by"] == AGENT, row
        # a leading '+' is a formula to a spreadsheet: the export's guard quotes it
        assert row["customer_phone"] == "'" + PHONE, row
        anon = list(csv.DictReader(io.StringIO(ctl(d, "export", "--no-pii"))))
        assert "customer_phone" not in anon[0] and anon[0]["taken_by"] == AGENT, anon[0]
    finally:
        d.close()


TESTS = [
    test_add_phone_without_email,
    test_add_with_email_acknowledged,
    test_add_usage,
    test_add_token_once,
    test_show_list_export,
]

if __name__ == "__main__":
    sys.exit(run_tests("intake", TESTS, sys.argv[1:]))
