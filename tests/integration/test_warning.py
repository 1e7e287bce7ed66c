#!/usr/bin/python3
"""Early warning (投诉预警) end to end against real MariaDB, Dovecot and the
SMTP sink: weeks of history are inserted by SQL, the new complaints arrive
as mails over IMAP (or by SQL where only the count matters), and the
[warning] recipients get one alert per spike: not again while it lasts,
not after a restart, not from a second daemon, not for a flat week; again
for a new spike once the old one has died down (the daemon's clock moved
by COMPLAINTD_CLOCK_OFFSET); for a product tag a rule gives.

usage: test_warning.py BINDIR [TEST ...]"""

import datetime
import email.header
import email.utils
import os
import re
import shutil
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from daemon_env import (COMPANY_FROM, ROOT, Daemon, complaints, decoded_subject,  # noqa: E402
                        msgid, parse_mail, query, run_tests, scalar, wait_for,
                        wait_settled)

RECIPIENTS = ["quality-watch@staff.shop.example", "ceo@shop.example"]
DAY = 86400

# a rule that tags a product, beside the shipped rules
PRODUCT_RULES = """# test: product tags
rule P_KETTLE any /电水壶|\\bkettles?\\b/i
    tag kettle
    describe 电水壶
"""


def daemon(srv, bindir, rules_dir=None, lang="zh", **warning):
    keys = {"recipients": "; ".join(RECIPIENTS), "window": "24h", "baseline": "28d",
            "factor": "3", "min_count": "5"}
    keys.update(warning)
    d = Daemon(srv, bindir, mailboxes=[("main", "alice", "INBOX",
                                        {"batch": "50", "db_connections": "1"})],
               rules_dir=rules_dir,
               extra={"warning": keys, "escalation": {"check_interval": "1s"},
                      "staff": {"lang": lang}})
    d.migrate()
    return d


def execute_many(srv, sql, rows):
    conn = srv.db.connect()
    try:
        with conn.cursor() as c:
            c.executemany(sql, rows)
        conn.commit()
    finally:
        conn.close()


SEQ = [0]


def add_complaints(srv, category, times, tag=None):
    """Complaints of category created at the given UTC datetimes, as the
    pipeline would store them (with an acknowledgement deadline); with tag,
    each has a rule hit giving it. Returns their references."""
    refs = []
    rows = []
    for t in times:
        SEQ[0] += 1
        ref = f"HIS-{SEQ[0]:06d}"
        refs.append(ref)
        rows.append((ref, category, f"history {SEQ[0]}", t, t, t + datetime.timedelta(days=1)))
    execute_many(srv, "INSERT INTO complaints (ref, channel, status, category, severity,"
                 " customer_addr, customer_name, subject, lang, created_at, updated_at, due_ack)"
                 " VALUES (%s, 'email', 'closed', %s, 'C', 'old@customer.example', '老客户',"
                 " %s, 'zh', %s, %s, %s)", rows)
    if tag:
        execute_many(srv, "INSERT INTO rule_hits (complaint_id, rule, field, effect)"
                     " SELECT id, 'P_OLD', 'subject', %s FROM complaints WHERE ref = %s",
                     [(f"quality+3 tag={tag}", r) for r in refs])
    return refs


def utcnow(offset=0):
    return datetime.datetime.utcnow() + datetime.timedelta(seconds=offset)


def history(srv, category, n, offset=0, tag=None):
    """n complaints spread evenly over the 28 days of baseline before the
    last 24 hours (of the daemon's clock: real time + offset)."""
    base = utcnow(offset) - datetime.timedelta(days=1, hours=1)
    span = 27 * DAY - 7200
    return add_complaints(srv, category, [base - datetime.timedelta(seconds=span * i / max(n, 1))
                                          for i in range(n)], tag)


def recent(srv, category, n, offset=0):
    """n complaints in the last hours (all in the recent window)."""
    base = utcnow(offset)
    return add_complaints(srv, category, [base - datetime.timedelta(minutes=5 + 7 * i)
                                          for i in range(n)])


def customer_mail(subject, body, n):
    sender = f"customer{n}@customer.example"
    raw = (f"From: 客户{n} <{sender}>\r\nTo: {COMPANY_FROM}\r\n"
           f"Subject: {email.header.Header(subject, 'utf-8').encode()}\r\n"
           f"Date: {email.utils.formatdate(localtime=True)}\r\n"
           f"Message-ID: <{uuid.uuid4().hex}@customer.example>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n" + body.replace("\n", "\r\n"))
    return raw.encode()


def deliver(srv, n, subject="电水壶漏水", body="新买的电水壶底座漏水，桌上全是水，要求换货。"):
    for i in range(n):
        srv.dovecot.append("alice", "INBOX", customer_mail(f"{subject}（{i + 1}）", body, i))


def mail_refs(srv, since_id=0):
    return [r[0] for r in query(srv, "SELECT ref FROM complaints WHERE id > %s "
                                "AND ref NOT LIKE 'HIS-%%' ORDER BY id", (since_id,))]


def alerts(srv, rcpt=None):
    """Parsed alert mails at the sink (our Message-IDs start with the kind)."""
    out = []
    for m in srv.sink.messages():
        msg = parse_mail(m["data"])
        if not msgid(msg["Message-ID"]).startswith("warning."):
            continue
        if rcpt and rcpt not in m["rcpt_tos"]:
            continue
        msg.envelope = m
        out.append(msg)
    return out


def text_of(msg):
    return msg.get_body(preferencelist=("plain",)).get_content()


def listed(msg):
    """The references an alert lists."""
    return re.findall(r"^  ((?:CMP|HIS)-[0-9-]+)  ", text_of(msg), re.M)


def spikes(srv):
    rows = query(srv, "SELECT subject_kind, subject, is_open, recent_count, peak_count,"
                 " started_at, last_above_at, ended_at FROM warning_spikes ORDER BY id")
    keys = ("kind", "subject", "open", "recent", "peak", "started", "last_above", "ended")
    return [dict(zip(keys, r)) for r in rows]


def one_alert_each(srv):
    """Exactly one alert to every recipient, as they should look."""
    got = alerts(srv)
    assert sorted(m.envelope["rcpt_tos"][0] for m in got) == sorted(RECIPIENTS), \
        [m.envelope["rcpt_tos"] for m in got]
    for m in got:
        assert email.utils.parseaddr(m["From"])[1] == COMPANY_FROM, m["From"]
        assert email.utils.parseaddr(m["To"])[1] == m.envelope["rcpt_tos"][0], m["To"]
        assert m["Auto-Submitted"] == "auto-generated", m["Auto-Submitted"]
    return got


def rounds(*daemons, n=2):
    """Until each daemon's scheduler ran n more rounds, then until the
    outbox is settled: whatever those rounds queued has reached the sink."""
    for d in daemons:
        d.wait_rounds(n)
    wait_settled(daemons[0].srv)


# ---- tests -------------------------------------------------------------------

def test_spike_alerts_once(srv, bindir):
    """A light history of quality complaints (8 in four weeks: usual 0.3 a
    day), then 6 quality mails: one alert to each recipient listing all 6;
    3 more in the same spike raise none; a restart raises none."""
    d = daemon(srv, bindir)
    try:
        history(srv, "quality", 8)
        history(srv, "service", 28)
        start = scalar(srv, "SELECT MAX(id) FROM complaints")
        deliver(srv, 6)
        d.start()
        wait_for("alerts", lambda: len(alerts(srv)) >= 2, 60)
        new = mail_refs(srv, start)
        assert len(new) == 6, new
        got = one_alert_each(srv)
        for m in got:
            assert sorted(listed(m)) == sorted(new), (listed(m), new)
            subject = decoded_subject(m)
            assert "投诉预警" in subject and "产品质量" in subject and "6" in subject, subject
            body = text_of(m)
            assert "6 件" in body and "0.3" in body and "24 小时" in body and "28 天" in body, body
            assert "另有" not in body, body
            assert "电水壶漏水（1）" in body, body
            # references, never the customers: no address, no name, in any
            # part of the mail (the alert goes to many)
            whole = m.envelope["data"].decode("utf-8", "replace") + body
            assert "@customer.example" not in whole and "客户0" not in whole, body
        sp = spikes(srv)
        assert [(s["kind"], s["subject"], s["open"], s["recent"]) for s in sp] == \
            [("category", "quality", 1, 6)], sp

        deliver(srv, 3)
        wait_for("9 new complaints", lambda: len(mail_refs(srv, start)) == 9, 60)
        rounds(d)
        assert len(alerts(srv)) == 2, "the same spike alerted again"
        sp = spikes(srv)
        assert len(sp) == 1 and sp[0]["peak"] == 9 and sp[0]["last_above"] > sp[0]["started"], sp

        assert d.stop() == 0
        d.start()
        rounds(d)
        assert d.stop() == 0
        assert len(alerts(srv)) == 2, "a restart alerted again"
        assert len(spikes(srv)) == 1
        d.assert_clean_log()
    finally:
        d.close()


def test_two_daemons_alert_once(srv, bindir):
    """Two daemons on one database find the same spike at the same moment
    (both start with it in the database): one alert to each recipient."""
    a = daemon(srv, bindir)
    b = daemon(srv, bindir)
    try:
        history(srv, "quality", 8)
        recent(srv, "quality", 7)
        a.start()
        b.start()
        wait_for("alerts", lambda: len(alerts(srv)) >= 2, 60)
        rounds(a, b)
        assert a.stop() == 0 and b.stop() == 0
        one_alert_each(srv)
        assert len(spikes(srv)) == 1, spikes(srv)
        assert scalar(srv, "SELECT COUNT(*) FROM outbox WHERE kind = 'warning'") == 2
        a.assert_clean_log()
        b.assert_clean_log()
    finally:
        a.close()
        b.close()


def test_flat_week_no_alert(srv, bindir):
    """Six quality complaints a day for four weeks, and six today: no
    alert. Eighteen today (three times the usual six) is a spike."""
    d = daemon(srv, bindir)
    try:
        history(srv, "quality", 28 * 6)
        start = scalar(srv, "SELECT MAX(id) FROM complaints")
        deliver(srv, 6)
        d.start()
        wait_for("6 new complaints", lambda: len(mail_refs(srv, start)) == 6, 60)
        wait_for("acknowledgements", lambda: len(srv.sink.messages()) >= 6, 60)
        rounds(d)
        assert not alerts(srv), [decoded_subject(m) for m in alerts(srv)]
        assert not spikes(srv), spikes(srv)
        deliver(srv, 11)
        wait_for("17 new complaints", lambda: len(mail_refs(srv, start)) == 17, 60)
        rounds(d)
        assert not alerts(srv), "17 is below three times the usual 6"
        deliver(srv, 1)
        wait_for("alerts", lambda: len(alerts(srv)) >= 2, 60)
        for m in one_alert_each(srv):
            assert len(listed(m)) == 18, listed(m)
            assert "6.0" in text_of(m) and "18 件" in text_of(m), text_of(m)
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_product_tag_spike(srv, bindir):
    """With a rule that tags kettles, five kettle mails against two kettle
    complaints in four weeks alert for the tag (in English this time);
    quality as a whole (ten a day) does not spike."""
    rules = tempfile.mkdtemp(prefix="ctd-rules-")
    for f in os.listdir(os.path.join(ROOT, "rules")):
        shutil.copy(os.path.join(ROOT, "rules", f), rules)
    with open(os.path.join(rules, "70-products.rules"), "w") as f:
        f.write(PRODUCT_RULES)
    d = daemon(srv, bindir, rules_dir=rules, lang="en")
    try:
        history(srv, "quality", 28 * 10)
        history(srv, "quality", 2, tag="kettle")
        start = scalar(srv, "SELECT MAX(id) FROM complaints")
        deliver(srv, 5)
        d.start()
        wait_for("alerts", lambda: len(alerts(srv)) >= 2, 60)
        new = mail_refs(srv, start)
        assert len(new) == 5, new
        assert scalar(srv, "SELECT COUNT(*) FROM rule_hits WHERE effect = 'tag=kettle'") == 5
        for m in one_alert_each(srv):
            subject = decoded_subject(m)
            assert subject.startswith("Early warning") and 'tag "kettle"' in subject, subject
            assert sorted(listed(m)) == sorted(new), (listed(m), new)
            assert "0.1 per 24 hours" in text_of(m), text_of(m)
        rounds(d)
        assert [(s["kind"], s["subject"]) for s in spikes(srv)] == [("tag", "kettle")], \
            spikes(srv)
        assert len(alerts(srv)) == 2
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()
        shutil.rmtree(rules, ignore_errors=True)


def test_new_spike_after_quiet(srv, bindir):
    """A spike ends once its subject has not spiked for a whole window (a
    day later by the daemon's clock nothing is recent); the next rise is a
    new spike and alerts again."""
    d = daemon(srv, bindir)
    try:
        first = recent(srv, "quality", 6)
        d.start()
        wait_for("first alerts", lambda: len(alerts(srv)) >= 2, 60)
        assert sorted(listed(alerts(srv)[0])) == sorted(first)
        assert d.stop() == 0
        # twelve hours on, the six are still recent: the same spike
        d.start(env={"COMPLAINTD_CLOCK_OFFSET": str(DAY // 2)})
        rounds(d)
        assert d.stop() == 0
        assert len(alerts(srv)) == 2 and spikes(srv)[0]["open"] == 1, spikes(srv)
        two_days = str(2 * DAY)
        d.start(env={"COMPLAINTD_CLOCK_OFFSET": two_days})
        wait_for("the spike ended", lambda: spikes(srv)[0]["ended"] is not None, 60)
        assert len(alerts(srv)) == 2
        start = scalar(srv, "SELECT MAX(id) FROM complaints")
        deliver(srv, 6)
        wait_for("second alerts", lambda: len(alerts(srv)) >= 4, 60)
        rounds(d)
        assert d.stop() == 0
        assert len(alerts(srv)) == 4, len(alerts(srv))
        second = [m for m in alerts(srv) if not set(listed(m)) & set(first)]
        assert len(second) == 2 and sorted(listed(second[0])) == sorted(mail_refs(srv, start))
        sp = spikes(srv)
        assert [(s["subject"], s["open"]) for s in sp] == [("quality", None), ("quality", 1)], sp
        d.assert_clean_log()
    finally:
        d.close()


def test_long_list_cut(srv, bindir):
    """A spike of 60 lists the first 50 and says how many more."""
    d = daemon(srv, bindir)
    try:
        refs = recent(srv, "price", 60)
        d.start()
        wait_for("alerts", lambda: len(alerts(srv)) >= 2, 60)
        assert d.stop() == 0
        for m in one_alert_each(srv):
            shown = listed(m)
            assert len(shown) == 50 and set(shown) <= set(refs), shown
            assert "另有 10 件未列出" in text_of(m), text_of(m)
            assert "价格" in decoded_subject(m)
        d.assert_clean_log()
    finally:
        d.close()


TESTS = [test_spike_alerts_once, test_two_daemons_alert_once, test_flat_week_no_alert,
         test_product_tag_spike, test_new_spike_after_quiet, test_long_list_cut]


def main():
    return run_tests("warning", TESTS, sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
