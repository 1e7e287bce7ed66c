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
import datetime
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
from test_web import GOOD, request  # noqa: E402

AGENT = f"agent.li@{STAFF_DOMAIN}"
CUSTOMER = "zhao.min@customer.example"
PHONE_TYPED = "+86 139-1234 5678"
PHONE = "+8613912345678"
QUALITY = "我买的电水壶用了两天就漏水了，底座有裂纹，要求退货。"


KEY = "cc-key-" + "7f3a9c2e5b1d4086a9e1f0c3b5d7e9a2"
OTHER_KEY = "cc-key-" + "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
KEYS = f"# call-centre systems\nhotline {KEY}\n\nwechat-desk   {OTHER_KEY}\n"


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
    write_secret(os.path.join(d.dir, "api.keys"), KEYS)
    d.migrate()
    if start:
        d.start()
        if web:
            d.wait_web()
    return d


def api(d, obj=None, key=KEY, raw=None, auth=None):
    """POST /api/v1/complaints with the key: (status, headers, parsed body)."""
    headers = {"Content-Type": "application/json"}
    if auth is not None or key:
        headers["Authorization"] = auth if auth is not None else f"Bearer {key}"
    body = raw if raw is not None else json.dumps(obj).encode()
    status, h, data = request(d, "POST", "/api/v1/complaints", body, headers)
    return status, h, json.loads(data) if data else None


API = {"api": {"keys_file": "api.keys"}}
CALL = {"channel": "phone", "phone": PHONE_TYPED, "name": "赵敏", "text": QUALITY}


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
        # acknowledged by the taker on the phone: the ack deadline is met
        # though no mail can go
        row = query(srv, "SELECT status, acknowledged_at IS NOT NULL FROM complaints"
                    " WHERE id = %s", (c["id"],))[0]
        assert row == ("acknowledged", 1), row
        assert scalar(srv, "SELECT actor FROM events WHERE complaint_id = %s AND"
                      " kind = 'acknowledged'", (c["id"],)) == AGENT
        shown = ctl(d, "show", ref)
        assert [x for x in shown.splitlines() if x.lstrip().startswith("ack")
                and "met" in x], shown
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
        assert PHONE[:7] in line and CUSTOMER[:6] not in line, listed  # may be cut
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
        day = datetime.date.today()
        rep = json.loads(ctl(d, "report", "--from", str(day - datetime.timedelta(days=1)),
                             "--to", str(day + datetime.timedelta(days=1)), "--format", "json"))
        assert rep["by_channel"] == {"email": 0, "web": 0, "phone": 0, "counter": 1,
                                     "wechat": 0, "letter": 1, "other": 0}, rep["by_channel"]
    finally:
        d.close()


def test_api_phone(srv, bindir):
    """A call-centre post with a key: 201 with the reference and the day of
    the answer, the complaint taken by "api:NAME" (or the staff address in
    taken_by), routed and notified, no ack without an address."""
    d = daemon(srv, bindir, web=True, **API)
    try:
        status, _, body = api(d, CALL)
        assert status == 201 and body["status"] == "new", (status, body)
        assert body["answer_by"].startswith("20"), body
        c = case(srv, body["ref"])
        assert c["channel"] == "phone" and c["taken_by"] == "api:hotline", c
        assert c["phone"] == PHONE and c["addr"] == "" and c["department"], c
        status, _, body2 = api(d, dict(CALL, channel="wechat", taken_by=AGENT,
                                       email=CUSTOMER), key=OTHER_KEY)
        assert status == 201, (status, body2)
        c2 = case(srv, body2["ref"])
        assert c2["channel"] == "wechat" and c2["taken_by"] == AGENT, c2
        wait_for("the ack", lambda: mails(srv, rcpt=CUSTOMER, kind="ack"), 60)
        wait_settled(srv)
        _, _, metrics = request(d, "GET", "/metrics")
        assert b'complaintd_messages_ingested_total{channel="phone"} 1' in metrics, metrics
        assert b'complaintd_messages_ingested_total{channel="wechat"} 1' in metrics, metrics
        assert outbox_kinds(srv, body["ref"]) == ["notify"]
        assert outbox_kinds(srv, body2["ref"]) == ["ack", "notify"]
        d.assert_clean_log()
    finally:
        d.close()


def test_api_auth(srv, bindir):
    """No key, a wrong key, another scheme, a key with a byte changed, a
    key's prefix: 401 with a JSON error and WWW-Authenticate, nothing
    stored. A post naming staff's fields without any Authorization is 401
    too (not taken as a customer's own post); the public form API is as
    it was. Without [api] keys_file every key is refused."""
    d = daemon(srv, bindir, web=True, **API)
    try:
        bad = ["", "Bearer", "Bearer ", f"Basic {KEY}", f"Bearer {KEY[:-1]}",
               f"Bearer {KEY[:-1]}x", f"Bearer {KEY}x", f"Bearer hotline"]
        for auth in bad:
            status, h, body = api(d, CALL, auth=auth)
            assert status == 401 and "error" in body, (auth, status, body)
            assert h.get("www-authenticate", "").startswith("Bearer"), h
        status, h, body = api(d, CALL, key=None)
        assert status == 401 and "error" in body, (status, body)
        assert complaints(srv) == 0
        status, _, body = api(d, GOOD, key=None)
        assert status == 201, (status, body)
        assert case(srv, body["ref"])["channel"] == "web"
        status, _, body = api(d, dict(CALL, channel="counter"), auth=f"bearer  {KEY}")
        assert status == 201, (status, body)
    finally:
        d.close()
    d = daemon(srv, bindir, web=True)
    try:
        status, _, body = api(d, CALL)
        assert status == 401, (status, body)
    finally:
        d.close()


def test_api_nasty_bodies(srv, bindir):
    """The body is untrusted: not JSON, not an object, wrong types, unknown
    keys, huge fields, invalid UTF-8, CR/LF in name or subject (never in a
    header), a taker who is not staff: 400 and nothing stored."""
    d = daemon(srv, bindir, web={"rate_limit": "1000"}, **API)
    try:
        raws = [b"", b"{", b"[]", b'"text"', b"null", b'{"text": "a", "text": "b"}',
                b'{"channel": "phone", "phone": "1234567", "text": "\xff\xfe"}',
                b'{"channel": "phone", "phone": "1234567", "text": "a\x01b"}',
                b'{"channel": "phone", "phone": "1234567", "text": "a", "name": "\\u0000"}']
        for raw in raws:
            status, _, body = api(d, raw=raw)
            assert status == 400, (raw, status, body)
        cases = [
            (dict(CALL, channel=7), "channel", "not_a_string"),
            (dict(CALL, channel=None), "channel", "not_a_string"),
            (dict(CALL, text=["a"]), "text", "not_a_string"),
            (dict(CALL, attachments=[]), "attachments", "unknown_field"),
            (dict(CALL, channel="web"), "channel", "invalid_channel"),
            (dict(CALL, channel="email"), "channel", "invalid_channel"),
            (dict(CALL, taken_by="x@evil.example"), "taken_by", "not_staff"),
            (dict(CALL, name="Eve\r\nBcc: victim@example.com"), "name", "control_chars"),
            (dict(CALL, subject="Hi\nBcc: victim@example.com"), "subject", "control_chars"),
            (dict(CALL, name="名" * 101), "name", "too_long"),
            (dict(CALL, text="长" * 20001), "text", "too_long"),
            (dict(CALL, email="a@b", phone=""), "email", "invalid_email"),
            ({"channel": "phone", "text": QUALITY}, "email", "email_or_phone"),
            (dict(CALL, token="../../etc"), "token", "invalid_token"),
            (dict(CALL, lang="fr"), "lang", "invalid_lang"),
        ]
        for obj, field, code in cases:
            status, _, body = api(d, obj)
            assert status == 400 and "errors" in body, (obj, status, body)
            got = {(e["field"], e["code"]) for e in body["errors"]}
            assert (field, code) in got, (obj, body)
        huge = json.dumps(dict(CALL, text="x" * 4_000_000)).encode()
        status, _, _ = request(d, "POST", "/api/v1/complaints", huge,
                               {"Content-Type": "application/json",
                                "Authorization": f"Bearer {KEY}"})
        assert status in (400, 413), status
        assert complaints(srv) == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_api_token_once(srv, bindir):
    """A retried post with the same token is accepted once: 201, then 200
    "duplicate" with the same reference; the same token from another key
    is that key's own complaint."""
    d = daemon(srv, bindir, web=True, **API)
    try:
        token = uuid.uuid4().hex
        status, _, first = api(d, dict(CALL, token=token))
        assert status == 201, (status, first)
        status, _, again = api(d, dict(CALL, token=token))
        assert status == 200 and again["status"] == "duplicate", (status, again)
        assert again["ref"] == first["ref"] and complaints(srv) == 1
        status, _, other = api(d, dict(CALL, token=token), key=OTHER_KEY)
        assert status == 201 and other["ref"] != first["ref"], (status, other)
        assert complaints(srv) == 2
    finally:
        d.close()


def test_api_keys_file_checked(srv, bindir):
    """[api] keys_file must be readable by its owner only, like the other
    secret files, and hold NAME KEY lines: else the configuration is
    refused with the file and line named."""
    d = daemon(srv, bindir, start=False, **API)
    try:
        path = os.path.join(d.dir, "api.keys")
        os.chmod(path, 0o640)
        r = d.ctl("list", check=False)
        assert r.returncode == 1 and b"permissions 0640 are too open" in r.stderr, r
        os.chmod(path, 0o600)
        for text, why in [("hotline short\n", b"16-256"), ("only-a-name\n", b"NAME KEY"),
                          (f"a {KEY}\nb {KEY}\n", b"given twice"),
                          (f"bad/name {KEY}\n", b"key name"), ("# none\n", b"no key")]:
            write_secret(path, text)
            r = d.ctl("list", check=False)
            assert r.returncode == 1 and why in r.stderr, (text, r.stderr)
        write_secret(path, KEYS)
        assert d.ctl("list").returncode == 0
    finally:
        d.close()


TESTS = [
    test_add_phone_without_email,
    test_add_with_email_acknowledged,
    test_add_usage,
    test_add_token_once,
    test_show_list_export,
    test_api_phone,
    test_api_auth,
    test_api_nasty_bodies,
    test_api_token_once,
    test_api_keys_file_checked,
]

if __name__ == "__main__":
    sys.exit(run_tests("intake", TESTS, sys.argv[1:]))
