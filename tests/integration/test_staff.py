#!/usr/bin/python3
"""The staff workflow end to end against real MariaDB, Dovecot and the SMTP
sink: threading of customers' follow-ups, notifications with a signed
Reply-To, staff replies relayed from the company address, commands by
mail, forged and automatic staff mail, deadlines on a working-day calendar,
and escalations (on arrival, and once per level and deadline across
restarts, with the daemon's clock moved by COMPLAINTD_CLOCK_OFFSET).

usage: test_staff.py BINDIR [TEST ...]"""

import base64
import datetime
import email.header
import email.utils
import imaplib
import json
import os
import re
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from daemon_env import (COMPANY_FROM, Daemon, complaints, decoded_subject,  # noqa: E402
                        execute_sql, msgid, parse_mail, query, run_tests, scalar, wait_for,
                        wait_settled, write_secret)

STAFF_DOMAIN = "staff.shop.example"
DEPT = {"quality-dept": f"quality@{STAFF_DOMAIN}", "customer-service": f"care@{STAFF_DOMAIN}",
        "marketing": f"marketing@{STAFF_DOMAIN}", "legal": f"legal@{STAFF_DOMAIN}",
        "complaints-office": f"office@{STAFF_DOMAIN}", "crisis-team": f"crisis@{STAFF_DOMAIN}"}
SUPERVISOR = f"supervisor@{STAFF_DOMAIN}"
DIRECTOR = f"director@{STAFF_DOMAIN}"
LEADERS = ["ceo@shop.example", "vp@shop.example"]
APPROVER = "boss@shop.example"   # a [staff] address: approves B plans
CST = datetime.timezone(datetime.timedelta(hours=8))

# A week of December 2026 with a public holiday on Monday the 7th and a
# make-up working Saturday on the 12th.
CALENDAR = """timezone = Asia/Shanghai
weekend = sat sun
hours = 09:00-18:00
2026-12-07 holiday 测试假日
2026-12-12 workday 测试调休
"""


def daemon(srv, bindir, **deadlines):
    d = Daemon(srv, bindir, extra={
        "staff": {"addresses": "boss@shop.example", "domains": STAFF_DOMAIN,
                  "secret_file": "staff.key", "lang": "zh"},
        "routes": dict(DEPT),
        "escalation": {"supervisor": SUPERVISOR, "director": DIRECTOR,
                       "leadership": "; ".join(LEADERS), "interval": "1d",
                       "check_interval": "1s"},
        "deadlines": dict({"calendar_file": "calendar", "reopen_window": "1h"}, **deadlines),
        "approval": {"approvers": APPROVER},
    })
    write_secret(os.path.join(d.dir, "staff.key"), "k3y-for-the-staff-tests-" + uuid.uuid4().hex)
    with open(os.path.join(d.dir, "calendar"), "w") as f:
        f.write(CALENDAR)
    d.migrate()
    return d


def customer_mail(subject, body, sender="wang.fang@customer.example", name="王芳",
                  mid=None, extra="", photo=None):
    """photo: bytes sent along as kettle.jpg (multipart/mixed)."""
    mid = mid or f"{uuid.uuid4().hex}@customer.example"
    head = (f"From: {name} <{sender}>\r\nTo: {COMPANY_FROM}\r\n"
            f"Subject: {email.header.Header(subject, 'utf-8').encode()}\r\n"
            f"Date: {email.utils.formatdate(localtime=True)}\r\nMessage-ID: <{mid}>\r\n"
            f"{extra}MIME-Version: 1.0\r\n")
    text = ("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
            "\r\n" + body.replace("\n", "\r\n"))
    if photo is None:
        return (head + text).encode(), mid
    b64 = base64.encodebytes(photo).decode().replace("\n", "\r\n")
    raw = (head + 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n' + text +
           '\r\n--b1\r\nContent-Type: image/jpeg; name="kettle.jpg"\r\n'
           'Content-Disposition: attachment; filename="kettle.jpg"\r\n'
           "Content-Transfer-Encoding: base64\r\n\r\n" + b64 + "--b1--\r\n")
    return raw.encode(), mid


def deliver(srv, raw):
    srv.dovecot.append("alice", "INBOX", raw)


def mails(srv, rcpt=None, kind=None):
    """Parsed mails at the sink, to rcpt, of an outbox kind (from the id)."""
    out = []
    for m in srv.sink.messages():
        if rcpt and rcpt not in m["rcpt_tos"]:
            continue
        msg = parse_mail(m["data"])
        if kind and not msgid(msg["Message-ID"]).startswith(kind + "."):
            continue
        msg.envelope = m
        out.append(msg)
    return out


def text_of(msg):
    return msg.get_body(preferencelist=("plain",)).get_content()


def case(srv, ref):
    rows = query(srv, "SELECT id, status, category, severity, assignee, department, "
                 "first_response_at, first_action_at, parent_id FROM complaints WHERE ref = %s",
                 (ref,))
    keys = ("id", "status", "category", "severity", "assignee", "department",
            "first_response_at", "first_action_at", "parent_id")
    return dict(zip(keys, rows[0])) if rows else None


def events(srv, cid, kind=None):
    rows = query(srv, "SELECT kind, actor, detail FROM events WHERE complaint_id = %s "
                 "ORDER BY id", (cid,))
    return [r for r in rows if kind is None or r[0] == kind]


def first_complaint(srv, d, subject, body, **kw):
    """A customer's complaint, its ref and the notification its department got."""
    raw, mid = customer_mail(subject, body, **kw)
    deliver(srv, raw)
    wait_for("notification", lambda: mails(srv, kind="notify"), 60)
    ref = scalar(srv, "SELECT ref FROM complaints ORDER BY id DESC LIMIT 1")
    note = [m for m in mails(srv, kind="notify") if ref in m["Subject"]][0]
    return ref, mid, note


def staff_reply(note, body, sender=None, to=None, extra=""):
    """What a staff member's mail client sends when answering note."""
    sender = sender or note.envelope["rcpt_tos"][0]
    to = to or note["Reply-To"]
    raw = (f"From: 张工 <{sender}>\r\nTo: {to}\r\n"
           f"Subject: {email.header.Header('回复: ' + decoded_subject(note), 'utf-8').encode()}\r\n"
           f"Date: {email.utils.formatdate(localtime=True)}\r\n"
           f"Message-ID: <{uuid.uuid4().hex}@{STAFF_DOMAIN}>\r\n"
           f"In-Reply-To: {note['Message-ID']}\r\nReferences: {note['Message-ID']}\r\n"
           f"{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n" + body.replace("\n", "\r\n"))
    return raw.encode()


# ---- threading -------------------------------------------------------------

def test_threading_paths(srv, bindir):
    """A follow-up joins its complaint by In-Reply-To, by References alone,
    and by the bracketed reference under any reply prefix; the same mail
    twice (two of our addresses, reply-all) stays one message; an unknown
    reference opens a new complaint."""
    d = daemon(srv, bindir)
    try:
        d.start()
        photo = bytes(range(256)) * 20
        ref, mid, note = first_complaint(srv, d, "电水壶漏水", "新买的电水壶底座漏水，要求换货。",
                                         photo=photo)
        assert note.envelope["rcpt_tos"] == [DEPT["quality-dept"]], note.envelope
        # what the department needs to act without opening anything else
        body = text_of(note)
        for want in (ref, "王芳", "wang.fang@customer.example", "quality", "C",
                     "新买的电水壶底座漏水", "Q_LEAK_ZH", "#status", "kettle.jpg"):
            assert want in body or want in decoded_subject(note), (want, body)
        files = [p for p in note.iter_attachments()]
        assert [p.get_filename() for p in files] == ["kettle.jpg"], files
        assert files[0].get_content() == photo
        assert note["Reply-To"].startswith(f"complaints+{ref}.") and \
            note["Reply-To"].endswith("@shop.example"), note["Reply-To"]
        wait_for("ack", lambda: mails(srv, kind="ack"), 30)
        ack = mails(srv, kind="ack")[0]
        cid = case(srv, ref)["id"]

        by_irt, _ = customer_mail("Re: 您的投诉", "补充一张照片说明。",
                                  extra=f"In-Reply-To: {ack['Message-ID']}\r\n")
        by_refs, _ = customer_mail("还有一个问题", "盖子也合不上。",
                                   extra=f"References: <{mid}>\r\n")
        subjects = [f"回复: [{ref}] 我们已收到您的投诉", f"答复：AW: Re: [{ref}] 进展如何",
                    f"转发: [{ref.lower()}] 补充", f"SV: VS: Fwd: [{ref}] follow-up"]
        by_subject = [customer_mail(s, f"第{i}次来信，请尽快处理。")[0]
                      for i, s in enumerate(subjects)]
        twice, _ = customer_mail(f"Re: [{ref}] 抄送给两个地址", "同一封信发到了两个地址。",
                                 extra=f"Cc: service@shop.example\r\n")
        for raw in [by_irt, by_refs] + by_subject + [twice, twice]:
            deliver(srv, raw)
        wait_for("8 messages in the thread", lambda: scalar(
            srv, "SELECT COUNT(*) FROM messages WHERE complaint_id = %s", (cid,)) == 8, 60)
        assert complaints(srv) == 1, "a follow-up opened a complaint of its own"
        assert len(events(srv, cid, "customer_message")) == 7
        wait_for("7 follow-up mails to the department",
                 lambda: len(mails(srv, DEPT["quality-dept"], "followup")) == 7, 30)

        other, _ = customer_mail("Re: [CMP-20000101-9999] 旧投诉", "这是一个不存在的编号。")
        deliver(srv, other)
        wait_for("a new complaint for an unknown reference", lambda: complaints(srv) == 2, 60)
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_web_complaint_reply_threads(srv, bindir):
    """A complaint made on the web form is answered by mail; the customer's
    reply to that acknowledgement joins the same complaint."""
    import http.client
    import urllib.parse
    d = Daemon(srv, bindir, web=True)
    try:
        d.migrate()
        d.start()
        d.wait_web()
        form = {"name": "赵六", "email": "zhao.liu@customer.example", "token": uuid.uuid4().hex,
                "description": "在线购买的台灯灯罩有裂纹。", "request": "换一个灯罩"}
        c = http.client.HTTPConnection("127.0.0.1", d.web_port, timeout=30)
        c.request("POST", "/complaint", urllib.parse.urlencode(form).encode(),
                  {"Content-Type": "application/x-www-form-urlencoded"})
        assert c.getresponse().status == 303
        c.close()
        wait_for("ack", lambda: mails(srv, "zhao.liu@customer.example", "ack"), 30)
        ack = mails(srv, "zhao.liu@customer.example", "ack")[0]
        deliver(srv, customer_mail("Re: " + decoded_subject(ack), "补充：灯座也松了。",
                                   sender="zhao.liu@customer.example",
                                   extra=f"In-Reply-To: {ack['Message-ID']}\r\n")[0])
        wait_for("the reply stored", lambda: scalar(
            srv, "SELECT COUNT(*) FROM messages WHERE direction = 'in'") == 2, 60)
        assert complaints(srv) == 1
        assert scalar(srv, "SELECT COUNT(DISTINCT complaint_id) FROM messages") == 1
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_reopen_and_linked(srv, bindir):
    """A follow-up to a resolved complaint within the reopen window reopens
    it; after the window it opens a new complaint linked to the old one."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, _ = first_complaint(srv, d, "洗衣机异响", "洗衣机脱水时声音很大。")
        cid = case(srv, ref)["id"]
        execute_sql(srv, "UPDATE complaints SET status = 'resolved', resolved_at = UTC_TIMESTAMP() "
              "WHERE id = %s", (cid,))
        deliver(srv, customer_mail(f"Re: [{ref}] 问题又出现了", "修好后又响了。")[0])
        wait_for("reopened", lambda: case(srv, ref)["status"] == "reopened", 60)
        assert len(events(srv, cid, "reopened")) == 1
        # no longer resolved: handling runs again to a new deadline
        resolved, due, created = query(srv, "SELECT resolved_at, due_handling, created_at "
                                       "FROM complaints WHERE id = %s", (cid,))[0]
        assert resolved is None and due > created, (resolved, due, created)
        execute_sql(srv, "UPDATE complaints SET status = 'closed', closed_at = "
              "UTC_TIMESTAMP() - INTERVAL 2 HOUR WHERE id = %s", (cid,))
        deliver(srv, customer_mail(f"Re: [{ref}] 又坏了", "两个月后又坏了。")[0])
        wait_for("a linked complaint", lambda: complaints(srv) == 2, 60)
        new = scalar(srv, "SELECT ref FROM complaints WHERE parent_id = %s", (cid,))
        assert new and new != ref, new
        assert case(srv, ref)["status"] == "closed"
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


# ---- staff replies -----------------------------------------------------------

REPLY_BODY = """您好，我们已安排为您更换一台新的电水壶，快递单号会另行通知。

--
张工  质量部  quality@staff.shop.example  分机 8001

在 2026年12月1日 周二 10:00，示例商城 <complaints@shop.example> 写道：
> 收到一件新投诉，请按时限处理。
> 编号：CMP
"""


def test_staff_reply_relayed(srv, bindir):
    """A staff reply to the notification's signed address goes to the
    customer from the company address, in the customer's thread, without
    the quote, the signature or any trace of the staff address; the first
    response is recorded."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, mid, note = first_complaint(srv, d, "电水壶漏水", "底座漏水，要求换货。")
        # the notification quotes the customer's text as sent, while its
        # outbox row leaves it to the message row that holds it already
        assert "底座漏水，要求换货。" in text_of(note), text_of(note)
        queued = query(srv, "SELECT o.raw FROM outbox o JOIN complaints c"
                       " ON c.id = o.complaint_id WHERE c.ref = %s AND o.kind = 'notify'",
                       (ref,))[0][0]
        assert queued.startswith(b"\0spec/1\0"), queued[:40]
        assert "底座漏水".encode() not in queued, queued
        wait_for("ack", lambda: mails(srv, kind="ack"), 30)
        deliver(srv, staff_reply(note, REPLY_BODY))
        wait_for("relay", lambda: mails(srv, "wang.fang@customer.example", "relay"), 60)
        relay = mails(srv, "wang.fang@customer.example", "relay")[0]
        raw = relay.envelope["data"].decode("utf-8", "replace")
        text = text_of(relay)
        assert STAFF_DOMAIN not in raw and "张工" not in raw, raw
        assert "更换一台新的电水壶" in text and "收到一件新投诉" not in text, text
        assert email.utils.parseaddr(relay["From"])[1] == COMPANY_FROM
        assert msgid(relay["In-Reply-To"]) == mid, (relay["In-Reply-To"], mid)
        assert mid in relay["References"], relay["References"]
        assert ref in decoded_subject(relay)
        assert relay["Auto-Submitted"] is None, "a staff answer is not an automatic reply"
        assert "\n-- \n" in text.replace("\r\n", "\n"), "the signature separator is '-- '"
        c = case(srv, ref)
        assert c["first_response_at"] is not None and c["status"] == "in_progress", c
        assert events(srv, c["id"], "staff_reply")[0][1] == DEPT["quality-dept"]
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_staff_commands(srv, bindir):
    """#status, #severity, #category and #assign change the record (the
    colleague assigned is notified, the text is relayed); #note stays
    internal; a bad command changes nothing, relays nothing and is answered
    to the staff member with the error."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "电水壶漏水", "底座漏水，要求换货。")
        cid = case(srv, ref)["id"]
        colleague = f"li.si@{STAFF_DOMAIN}"
        deliver(srv, staff_reply(note, "#status resolved\n#Severity: a\n#category price\n"
                                 f"#assign {colleague}\n\n已为您办理差价退款。"))
        wait_for("commands applied", lambda: case(srv, ref)["status"] == "resolved", 60)
        c = case(srv, ref)
        assert (c["severity"], c["category"], c["assignee"]) == ("A", "price", colleague), c
        wait_for("relay", lambda: mails(srv, "wang.fang@customer.example", "relay"), 30)
        assert "已为您办理差价退款" in text_of(mails(srv, "wang.fang@customer.example", "relay")[0])
        assert "#status" not in text_of(mails(srv, "wang.fang@customer.example", "relay")[0])
        wait_for("the colleague is told", lambda: mails(srv, colleague, "notify"), 30)
        assert re.search(r"status \w+ -> resolved", events(srv, cid, "commands")[0][2])

        deliver(srv, staff_reply(note, "#note 已电话联系客户，客户同意退款。"))
        wait_for("note", lambda: events(srv, cid, "note"), 60)
        assert "已电话联系客户" in events(srv, cid, "note")[0][2]

        deliver(srv, staff_reply(note, "#status done\n#frobnicate\n这段不应转给客户。"))
        wait_for("error answer", lambda: mails(srv, DEPT["quality-dept"], "staff_error"), 60)
        err = text_of(mails(srv, DEPT["quality-dept"], "staff_error")[0])
        assert "第 1 行" in err and "第 2 行" in err and "frobnicate" in err, err
        wait_settled(srv)
        assert case(srv, ref)["status"] == "resolved", "a refused reply changed the record"
        assert len(mails(srv, "wang.fang@customer.example", "relay")) == 1, \
            "a note or a refused reply reached the customer"
        assert events(srv, cid, "commands_refused")

        # re-graded A by staff: the leadership hears at once, the plan deadline runs
        before = len(mails(srv, kind="notify"))
        deliver(srv, customer_mail("快递延误", "快递晚了三天。", sender="late@customer.example")[0])
        wait_for("second notification", lambda: len(mails(srv, kind="notify")) > before, 60)
        note2 = mails(srv, kind="notify")[-1]
        ref2 = re.search(r"\[(CMP-\d{8}-\d+)\]", note2["Subject"]).group(1)
        assert case(srv, ref2)["severity"] == "C"
        deliver(srv, staff_reply(note2, "#severity A\n#note 客户已联系媒体"))
        for lead in LEADERS:
            wait_for(f"escalation of {ref2} to {lead}", lambda: [
                m for m in mails(srv, lead, "escalation") if ref2 in m["Subject"]], 60)
        plan, = query(srv, "SELECT due_plan FROM complaints WHERE ref = %s", (ref2,))[0]
        assert plan is not None and case(srv, ref2)["severity"] == "A"
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_outcome_and_accountability(srv, bindir):
    """#valid, #responsible, #compensation and #cause are recorded with who
    and when (show, history), never reach the customer, add up over replies
    (compensations) or overwrite (the rest), and the period's report counts
    valid and invalid complaints, ranks the units answerable and totals the
    compensation per currency; a malformed #compensation changes nothing."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "鞋子开胶", "新买的鞋穿了两天就开胶了，要求赔偿。")
        cid = case(srv, ref)["id"]
        handler = note.envelope["rcpt_tos"][0]
        deliver(srv, staff_reply(note, "#valid 有效\n#responsible 售后部  第12门店\n"
                                 "#compensation 200 CNY 换新鞋\n#cause 供应商胶水批次问题\n\n"
                                 "已为您换新，并补偿200元。"))
        wait_for("outcome recorded", lambda: events(srv, cid, "outcome"), 60)
        wait_for("relay", lambda: mails(srv, "wang.fang@customer.example", "relay"), 30)
        relayed = text_of(mails(srv, "wang.fang@customer.example", "relay")[0])
        assert "已为您换新" in relayed and "#" not in relayed and "胶水批次" not in relayed, relayed
        kind, actor, detail = events(srv, cid, "outcome")[0]
        assert actor == handler, (actor, handler)
        assert detail == ("valid yes; responsible 售后部 第12门店; cause 供应商胶水批次问题; "
                          "compensation 200.00 CNY 换新鞋"), detail
        # the log says what was decided, not the free texts, which may name
        # the customer (log_pii is off)
        log = d.log_text().decode("utf-8", "replace")
        assert "staff outcome ref=" + ref in log and "cause given" in log and \
            "compensation 200.00 CNY" in log, log[-2000:]
        assert "胶水批次" not in log and "换新鞋" not in log, log[-2000:]

        # a later decision overwrites, a second compensation adds up
        deliver(srv, staff_reply(note, "#valid: no\n＃compensation ¥50.5 运费\n#note 复核后判定无效"))
        wait_for("second outcome", lambda: len(events(srv, cid, "outcome")) == 2, 60)
        # refused as a whole: nothing of it is recorded
        deliver(srv, staff_reply(note, "#compensation 300\n#responsible 质量部\n不应转给客户"))
        wait_for("error answer", lambda: mails(srv, handler, "staff_error"), 60)
        err = text_of(mails(srv, handler, "staff_error")[0])
        assert "第 1 行：#compensation 的金额后需要币种" in err, err
        wait_settled(srv)
        assert len(events(srv, cid, "outcome")) == 2

        doc = json.loads(d.ctl("show", "--json", ref).stdout)
        o = doc["outcome"]
        assert o["valid"] is False and o["valid_by"] == handler and o["valid_at"], o
        assert o["responsible"] == "售后部 第12门店" and o["responsible_by"] == handler, o
        assert o["cause"] == "供应商胶水批次问题", o
        assert [(c["amount"], c["currency"], c["text"]) for c in o["compensations"]] == \
            [("200.00", "CNY", "换新鞋"), ("50.50", "CNY", "运费")], o["compensations"]
        text = d.ctl("show", ref).stdout.decode()
        assert re.search(r"valid\s+no \(" + re.escape(handler), text), text
        assert "50.50 CNY 运费" in text, text

        # a second complaint, valid, answered by the same unit; a third undecided
        def another(subject, body, sender):
            before = len(mails(srv, kind="notify"))
            deliver(srv, customer_mail(subject, body, sender=sender)[0])
            wait_for("its notification", lambda: len(mails(srv, kind="notify")) > before, 60)
            return mails(srv, kind="notify")[-1]
        note2 = another("电水壶漏水", "底座漏水。", "li.lei@customer.example")
        ref2 = re.search(r"\[(CMP-\d{8}-\d+)\]", note2["Subject"]).group(1)
        assert ref2 != ref
        deliver(srv, staff_reply(note2, "#valid yes\n#responsible 售后部 第12门店\n"
                                 "#compensation 20 usd voucher"))
        wait_for("outcome 2", lambda: events(srv, case(srv, ref2)["id"], "outcome"), 60)
        another("发票没开", "发票一直没开。", "zhao@customer.example")
        wait_settled(srv)
        # three days around now: no midnight between the mails and the report
        now = datetime.datetime.now(CST)
        span = ("--from", (now - datetime.timedelta(days=1)).strftime("%Y-%m-%d"),
                "--to", (now + datetime.timedelta(days=1)).strftime("%Y-%m-%d"))
        rep = json.loads(d.ctl("report", *span, "--format", "json").stdout)["outcome"]
        assert (rep["valid"], rep["invalid"], rep["undecided"]) == (1, 1, 1), rep
        assert rep["units"] == [{"unit": "售后部 第12门店", "complaints": 2, "valid": 1}], rep
        assert rep["compensation"] == [
            {"currency": "CNY", "count": 2, "total": "250.50"},
            {"currency": "USD", "count": 1, "total": "20.00"}], rep
        txt = d.ctl("report", *span, "--lang", "zh").stdout.decode()
        assert "责任单位投诉排名" in txt and "250.50" in txt, txt
        csv = d.ctl("report", *span, "--format", "csv").stdout.decode()
        assert "responsible_units\r\nunit,complaints,valid\r\n售后部 第12门店,2,1\r\n" in csv, csv
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_forged_and_automatic_staff_mail(srv, bindir):
    """Mail from a staff address without the signed reply address (or with
    a token that does not match) is stored, flagged, not relayed, and the
    department is told; a staff out-of-office reply to a notification is
    never relayed."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "电水壶漏水", "底座漏水，要求换货。")
        cid = case(srv, ref)["id"]
        forged = staff_reply(note, "退款已批准，请把银行卡号发给我。", to=COMPANY_FROM)
        local, domain = note["Reply-To"].split("@")
        tampered = staff_reply(note, "同意赔偿一万元。",
                               to=local[:-1] + ("0" if local[-1] != "0" else "1") + "@" + domain)
        ooo = staff_reply(note, "我本周休假，有事请联系同事。",
                          extra="Auto-Submitted: auto-replied\r\n")
        # a forwarded notification answered from an address [staff] does not
        # list: not the customer's follow-up, not a staff reply either
        outsider = staff_reply(note, "转给我的通知，我来回复：同意退货。",
                               sender="someone@elsewhere.example")
        for raw in (forged, tampered, ooo, outsider):
            deliver(srv, raw)
        wait_for("all stored", lambda: scalar(
            srv, "SELECT COUNT(*) FROM messages WHERE direction = 'in'") == 5, 60)
        flagged = scalar(srv, "SELECT COUNT(*) FROM messages WHERE flags & %s", (1 << 10,))
        assert flagged == 3, flagged
        wait_for("three alerts",
                 lambda: len(mails(srv, DEPT["quality-dept"], "staff_alert")) == 3, 30)
        assert all(a["Auto-Submitted"] == "auto-generated"
                   for a in mails(srv, DEPT["quality-dept"], "staff_alert"))
        assert len(events(srv, cid, "unverified_staff_mail")) == 3
        assert not events(srv, cid, "customer_message")
        wait_settled(srv)
        assert not mails(srv, "wang.fang@customer.example", "relay"), "forged mail was relayed"
        assert case(srv, ref)["first_response_at"] is None
        # one that names no complaint at all: [routes] has no "other" nor
        # "default" here, so the alert goes where the rules send "other"
        lone = (f"From: 张工 <{note.envelope['rcpt_tos'][0]}>\r\nTo: {COMPANY_FROM}\r\n"
                f"Subject: {email.header.Header('退款批准', 'utf-8').encode()}\r\n"
                f"Date: {email.utils.formatdate(localtime=True)}\r\n"
                f"Message-ID: <{uuid.uuid4().hex}@{STAFF_DOMAIN}>\r\nMIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n请把银行卡号发给我。\r\n").encode()
        deliver(srv, lone)
        wait_for("the alert about mail of no complaint",
                 lambda: mails(srv, DEPT["complaints-office"], "staff_alert"), 60)
        assert d.stop() == 0
    finally:
        d.close()


def test_history_import_is_quiet(srv, bindir):
    """Mail older than import_older_than, found when a mailbox is first
    attached, is stored as a complaint but tells no one and runs against
    no deadline (else a backlog would flood staff with notifications and
    escalations)."""
    d = daemon(srv, bindir)
    try:
        raw, _ = customer_mail("洗衣机漏电，已联系电视台", "去年买的洗衣机漏电，我已经联系了电视台。")
        c = srv.dovecot.imap("alice")  # delivered a month ago, as the server says
        c.append("INBOX", None, imaplib.Time2Internaldate(time.time() - 30 * 86400), raw)
        c.logout()
        d.start()
        wait_for("stored", lambda: complaints(srv) == 1, 60)
        d.wait_rounds(2)
        wait_settled(srv)
        assert not srv.sink.messages(), [m["rcpt_tos"] for m in srv.sink.messages()]
        assert query(srv, "SELECT due_ack, due_closure FROM complaints")[0] == (None, None)
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


# ---- the language of staff mail ----------------------------------------------

# What a Chinese staff mail may hold in Latin letters: addresses, references,
# the administrator's rule names, command syntax ("#status", and a command
# value glossed in Chinese right after it: "resolved（已解决）"), what a
# writer typed quoted back (“...”), MIME types, file names, program names.
ALLOWED_LATIN = [    # in this order: a line before its words, a file before its type
    r"^ {2}#.*$",                               # the command help lines
    r"[\w.+-]+@[\w.-]+",                      # addresses
    r"\bCMP-\d{8}-\d+\b",                     # references
    r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b",       # rule names (Q_LEAK_ZH)
    r"\b[\w-]+\.(?:jpg|png|pdf|txt)\b",         # file names
    r"\b[a-z]+/[\w.+-]+\b",                     # MIME types
    r"[#＃][a-z_]+\b",                          # command names
    r"\b[a-z_]+(?=（)",                          # a command value with its gloss
    r"“[^”]*”",                                 # text quoted back
    r"\bcomplaintctl show\b",
]


def english_words(text):
    """Words of two or more Latin letters left in text once what may be
    Latin is taken out: [] for a mail entirely in Chinese."""
    text = text.replace("\r\n", "\n")
    for pattern in ALLOWED_LATIN:
        text = re.sub(pattern, " ", text, flags=re.M)
    return re.findall(r"[A-Za-z]{2,}", text)


def assert_chinese(msg):
    """msg's subject and text have no English word (see english_words)."""
    words = english_words(decoded_subject(msg) + "\n" + text_of(msg))
    assert not words, (words, decoded_subject(msg), text_of(msg))


def test_zh_staff_mails_in_chinese(srv, bindir):
    """With [staff] lang = zh every mail to staff is Chinese through and
    through: the notification (received time and deadlines with their
    weekday, where the rules matched, the attachment's size), the
    follow-up (the status), the alert about unverified staff mail (the
    reason), the answer to a bad command (the errors) and the escalation
    of a severity A complaint on arrival."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, mid, note = first_complaint(srv, d, "电水壶漏水", "新买的电水壶底座漏水，要求换货。",
                                         photo=b"\xff\xd8" + bytes(100))
        body = text_of(note)
        assert "kettle.jpg（image/jpeg，102 字节）" in body, body
        assert re.search(r"Q_LEAK_ZH（(主题|正文)：“漏水”）", body), body
        assert re.search(r"收到时间：\d{4}-\d\d-\d\d 周[一二三四五六日] ", body), body
        assert_chinese(note)

        deliver(srv, customer_mail(f"Re: [{ref}] 还没处理", "请尽快处理。",
                                   extra=f"In-Reply-To: <{mid}>\r\n")[0])
        wait_for("follow-up mail", lambda: mails(srv, DEPT["quality-dept"], "followup"), 60)
        fu = mails(srv, DEPT["quality-dept"], "followup")[0]
        status = case(srv, ref)["status"]
        label = {"new": "新投诉", "acknowledged": "已受理"}[status]
        assert f"当前状态：{label}" in text_of(fu) and label in decoded_subject(fu), text_of(fu)
        assert_chinese(fu)

        deliver(srv, staff_reply(note, "退款已批准。", to=COMPANY_FROM))
        wait_for("alert", lambda: mails(srv, DEPT["quality-dept"], "staff_alert"), 60)
        alert = mails(srv, DEPT["quality-dept"], "staff_alert")[0]
        assert "签名回复地址" in text_of(alert), text_of(alert)
        assert_chinese(alert)

        deliver(srv, staff_reply(note, "#status done\n#frobnicate\n#assign 李四\n不转给客户。"))
        wait_for("error answer", lambda: mails(srv, DEPT["quality-dept"], "staff_error"), 60)
        err = mails(srv, DEPT["quality-dept"], "staff_error")[0]
        for want in ("第 1 行：#status 不能是“done”", "第 2 行：没有“#frobnicate”这个命令",
                     "第 3 行：#assign 后的“李四”不是单纯的邮箱地址"):
            assert want in text_of(err), (want, text_of(err))
        assert_chinese(err)

        deliver(srv, customer_mail("洗衣机漏电，已联系电视台曝光", "洗衣机漏电把我电了一下，"
                                   "我已经联系了电视台。", sender="li@customer.example")[0])
        wait_for("escalation on arrival", lambda: mails(srv, LEADERS[0], "escalation"), 60)
        esc = mails(srv, LEADERS[0], "escalation")[0]
        assert "为 A 级投诉" in text_of(esc) and "当前状态：" in text_of(esc), text_of(esc)
        assert_chinese(esc)
        wait_for("its notification", lambda: mails(srv, DEPT["crisis-team"], "notify"), 30)
        assert_chinese(mails(srv, DEPT["crisis-team"], "notify")[0])
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_no_padding_without_a_name(srv, bindir):
    """A customer whose mail gives no display name is shown by address
    alone: "客户：    wang@...", not a blank name and "<address>"."""
    d = daemon(srv, bindir)
    try:
        d.start()
        addr = "nameless@customer.example"
        ref, mid, note = first_complaint(srv, d, "电水壶漏水", "底座漏水，要求换货。",
                                         sender=addr, name="")
        body = text_of(note).replace("\r\n", "\n")
        assert f"\n客户：    {addr}\n" in body, body
        assert "<" + addr not in body, body
        deliver(srv, customer_mail(f"Re: [{ref}] 补充", "盖子也坏了。", sender=addr, name="",
                                   extra=f"In-Reply-To: <{mid}>\r\n")[0])
        wait_for("follow-up mail", lambda: mails(srv, DEPT["quality-dept"], "followup"), 60)
        fu = text_of(mails(srv, DEPT["quality-dept"], "followup")[0])
        assert f"投诉 {ref} 的客户 {addr} 又来信了" in fu, fu
        # with a name, both, as before
        deliver(srv, customer_mail("洗衣机漏水", "洗衣机漏水。", sender="zhao@customer.example",
                                   name="赵六")[0])
        wait_for("the second notification", lambda: len(mails(srv, kind="notify")) == 2, 60)
        assert "客户：    赵六 <zhao@customer.example>" in text_of(mails(srv, kind="notify")[1])
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_answer_before_resolution(srv, bindir):
    """A staff reply with an answer and "#status resolved": the customer
    receives the answer first, then the resolution mail; the answer's
    signature separator is "-- " on a line of its own (RFC 3676)."""
    d = daemon(srv, bindir)
    try:
        d.start()
        cust = "wang.fang@customer.example"
        ref, _, note = first_complaint(srv, d, "电水壶漏水", "底座漏水，要求换货。")
        deliver(srv, staff_reply(note, "#status resolved\n\n新的电水壶已寄出，单号 SF123。"))
        wait_for("answer and resolution", lambda: mails(srv, cust, "relay")
                 and mails(srv, cust, "resolution"), 60)
        order = [msgid(m["Message-ID"]).split(".")[0] for m in mails(srv, cust)]
        assert order.index("relay") < order.index("resolution"), order
        text = text_of(mails(srv, cust, "relay")[0]).replace("\r\n", "\n")
        assert "\n-- \n" in text and "\n--\n" not in text, repr(text)
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_resolution_waits_for_deferred_answer(srv, bindir):
    """The relay defers the answer (451 at DATA) of a reply with "#status
    resolved": the resolution mail waits for it, so the customer still
    reads the answer first, once it has gone on the retry."""
    d = daemon(srv, bindir)
    try:
        d.start()
        cust = "wang.fang@customer.example"
        ref, _, note = first_complaint(srv, d, "电水壶漏水", "底座漏水，要求换货。")
        wait_settled(srv)
        srv.sink.tempfail_data("Message-ID: <relay.")
        deliver(srv, staff_reply(note, "#status resolved\n\n新的电水壶已寄出，单号 SF123。"))
        # deferred twice: the sender has had rounds enough to send what
        # was not held back
        wait_for("the answer deferred twice", lambda: scalar(
            srv, "SELECT COUNT(*) FROM outbox WHERE kind = 'relay' AND attempts >= 2"
            " AND status = 'pending'"), 60)
        assert not mails(srv, cust, "resolution"), "the resolution mail overtook the answer"
        srv.sink.tempfail_data(None)
        wait_for("answer and resolution", lambda: mails(srv, cust, "relay")
                 and mails(srv, cust, "resolution"), 60)
        order = [msgid(m["Message-ID"]).split(".")[0] for m in mails(srv, cust)]
        assert order.index("relay") < order.index("resolution"), order
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_followup_threads_to_notification(srv, bindir):
    """A customer's follow-up forwarded to staff answers the notification
    that address got (In-Reply-To and References are its Message-ID), so
    the department's mail client shows one thread; after #assign the
    colleague's follow-ups answer the colleague's own notification."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, mid, note = first_complaint(srv, d, "电水壶漏水", "底座漏水，要求换货。")
        dept = DEPT["quality-dept"]
        deliver(srv, customer_mail(f"Re: [{ref}] 补充", "盖子也坏了。",
                                   extra=f"In-Reply-To: <{mid}>\r\n")[0])
        wait_for("follow-up mail", lambda: mails(srv, dept, "followup"), 60)
        fu = mails(srv, dept, "followup")[0]
        assert msgid(fu["In-Reply-To"]) == msgid(note["Message-ID"]), \
            (fu["In-Reply-To"], note["Message-ID"])
        assert [msgid(r) for r in fu["References"].split()] == [msgid(note["Message-ID"])], \
            fu["References"]

        colleague = f"li.si@{STAFF_DOMAIN}"
        deliver(srv, staff_reply(note, f"#assign {colleague}"))
        wait_for("the colleague's notification", lambda: mails(srv, colleague, "notify"), 60)
        theirs = mails(srv, colleague, "notify")[0]
        deliver(srv, customer_mail(f"Re: [{ref}] 还有", "底座也烫手。",
                                   extra=f"In-Reply-To: <{mid}>\r\n")[0])
        wait_for("follow-up to the colleague", lambda: mails(srv, colleague, "followup"), 60)
        fu2 = mails(srv, colleague, "followup")[0]
        assert msgid(fu2["In-Reply-To"]) == msgid(theirs["Message-ID"]), fu2["In-Reply-To"]
        assert msgid(fu2["References"]) == msgid(theirs["Message-ID"]), fu2["References"]
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


# ---- deadlines and escalation --------------------------------------------------

def at(y, mo, day, h, mi=0):
    return datetime.datetime(y, mo, day, h, mi, tzinfo=CST)


def offset_to(when):
    return str(int(when.timestamp() - time.time()))


def test_deadlines_on_the_calendar(srv, bindir):
    """Received on Friday 2026-12-04 10:00 (Shanghai): investigation and
    feedback skip the weekend and Monday's holiday (Thursday 18:00),
    handling counts the make-up Saturday, closure runs to the 18th."""
    d = daemon(srv, bindir)
    try:
        d.start(env={"COMPLAINTD_CLOCK_OFFSET": offset_to(at(2026, 12, 4, 10))})
        ref, _, note = first_complaint(srv, d, "电水壶漏水", "底座漏水，要求换货。")
        rows = query(srv, "SELECT created_at, due_ack, due_plan, due_investigation, "
                     "due_handling, due_feedback, due_closure FROM complaints WHERE ref = %s",
                     (ref,))[0]
        utc = datetime.timezone.utc
        got = [r.replace(tzinfo=utc) if r else None for r in rows]
        assert abs((got[0] - at(2026, 12, 4, 10)).total_seconds()) < 120, got[0]
        assert got[1] == got[0] + datetime.timedelta(hours=24), got[1]
        assert got[2] is None, "only severity A has a plan deadline"
        assert got[3] == at(2026, 12, 10, 18), got[3]
        assert got[4] == at(2026, 12, 12, 18), got[4]
        assert got[5] == at(2026, 12, 10, 18), got[5]
        assert got[6] == at(2026, 12, 18, 18), got[6]
        assert "2026-12-10" in text_of(note) and "2026-12-18" in text_of(note)
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_a_escalated_on_arrival(srv, bindir):
    """Severity A goes to every leadership address at once, with a plan
    deadline four hours on; recorded as escalation 'arrival'."""
    d = daemon(srv, bindir)
    try:
        d.start()
        raw, _ = customer_mail("洗衣机漏电，已联系电视台曝光", "洗衣机漏电把我电了一下，我已经联系了电视台。")
        deliver(srv, raw)
        for lead in LEADERS:
            wait_for(f"escalation to {lead}", lambda: mails(srv, lead, "escalation"), 60)
        ref = scalar(srv, "SELECT ref FROM complaints")
        c = case(srv, ref)
        assert c["severity"] == "A" and c["department"] == DEPT["crisis-team"], c
        assert scalar(srv, "SELECT COUNT(*) FROM escalations WHERE deadline = 'arrival' "
                      "AND level = 3") == 1
        plan, created = query(srv, "SELECT due_plan, created_at FROM complaints")[0]
        assert (plan - created).total_seconds() == 4 * 3600
        assert ref in decoded_subject(mails(srv, LEADERS[0], "escalation")[0])
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_overdue_escalated_once(srv, bindir):
    """A C complaint left alone: a month later each passed deadline goes to
    the supervisor once; a restart at the same time sends nothing again; a
    day later the director gets the next level."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, _ = first_complaint(srv, d, "快递员态度差", "快递员把包裹扔在门口，态度很差。")
        wait_for("ack sent", lambda: mails(srv, kind="ack"), 30)
        wait_for("acknowledged", lambda: case(srv, ref)["status"] == "acknowledged", 30)
        assert d.stop() == 0
        month = str(30 * 86400)
        d.start(env={"COMPLAINTD_CLOCK_OFFSET": month})
        # investigation, handling, feedback, closure; the ack was sent in time
        wait_for("4 escalations to the supervisor",
                 lambda: len(mails(srv, SUPERVISOR, "escalation")) == 4, 60)
        for m in mails(srv, SUPERVISOR, "escalation"):  # the deadline, its time: Chinese
            assert "时限（" in text_of(m) and "已过，尚未完成" in text_of(m), text_of(m)
            assert_chinese(m)
        assert d.stop() == 0
        d.start(env={"COMPLAINTD_CLOCK_OFFSET": month})
        d.wait_rounds(3)
        assert d.stop() == 0
        assert len(mails(srv, SUPERVISOR, "escalation")) == 4, "a restart repeated escalations"
        assert not mails(srv, DIRECTOR, "escalation")
        d.start(env={"COMPLAINTD_CLOCK_OFFSET": str(31 * 86400 + 3600)})
        wait_for("4 escalations to the director",
                 lambda: len(mails(srv, DIRECTOR, "escalation")) == 4, 60)
        assert d.stop() == 0
        assert len(mails(srv, SUPERVISOR, "escalation")) == 4
        cid = case(srv, ref)["id"]
        assert scalar(srv, "SELECT COUNT(*) FROM escalations WHERE complaint_id = %s",
                      (cid,)) == 8
        assert len(events(srv, cid, "escalated")) == 8
        d.assert_clean_log()
    finally:
        d.close()


def _abort_twice(srv):
    """The database aborts the scheduler's work the way a deadlock or a
    Galera certification failure does (error 1213): the first escalation
    insert fails at its statement, then the first escalation mail fails
    when the outbox rows are written at COMMIT. The counters are Aria
    tables, which the abort does not roll back."""
    conn = srv.db._root_conn()
    try:
        with conn.cursor() as c:
            c.execute(f"USE `{srv.db.database}`")
            for t, table, cond in (("stmt", "escalations", "TRUE"),
                                   ("commit", "outbox", "NEW.kind = 'escalation'")):
                c.execute(f"CREATE TABLE test_faults_{t} (left_n INT NOT NULL) ENGINE=Aria")
                c.execute(f"INSERT INTO test_faults_{t} VALUES (1)")
                c.execute(f"CREATE TRIGGER test_fault_{t} BEFORE INSERT ON {table} "
                          "FOR EACH ROW BEGIN "
                          f" IF {cond} AND (SELECT left_n FROM test_faults_{t}) > 0 THEN "
                          f"  UPDATE test_faults_{t} SET left_n = left_n - 1; "
                          "  SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, "
                          f"   MESSAGE_TEXT = 'test: aborted at {t}'; "
                          " END IF; END")
        conn.commit()
    finally:
        conn.close()


def test_aborted_escalation_run_again(srv, bindir):
    """An escalation whose transaction the database aborts - at a statement,
    or at COMMIT as Galera's certification does - is run again at once as
    a whole (store_tx): the first round after the deadlines passed still
    sends all four escalations, each once, and the round reports no error
    (before, the round ended at the abort and the rest waited a round)."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, _ = first_complaint(srv, d, "快递员态度差", "快递员把包裹扔在门口，态度很差。")
        wait_for("acknowledged", lambda: case(srv, ref)["status"] == "acknowledged", 30)
        assert d.stop() == 0
        _abort_twice(srv)
        d.start(env={"COMPLAINTD_CLOCK_OFFSET": str(30 * 86400)})
        d.wait_rounds(1)
        log = d.log_text()
        # this start's first round (the log holds the earlier start's too)
        first = re.findall(rb"scheduler: first round done sent=(-?\d+)", log)
        assert first and int(first[-1]) >= 4, log[-3000:]
        assert b"test: aborted at stmt" in log and b"test: aborted at commit" in log
        assert b"again (2 of 4)" in log
        assert b"scheduler: " + b"test: aborted" not in log, "the round failed"
        wait_for("4 escalations to the supervisor",
                 lambda: len(mails(srv, SUPERVISOR, "escalation")) == 4, 60)
        assert scalar(srv, "SELECT left_n FROM test_faults_stmt") == 0
        assert scalar(srv, "SELECT left_n FROM test_faults_commit") == 0
        cid = case(srv, ref)["id"]
        assert scalar(srv, "SELECT COUNT(*) FROM escalations WHERE complaint_id = %s",
                      (cid,)) == 4
        assert len(events(srv, cid, "escalated")) == 4
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def new_complaint(srv, subject, body, sender, name):
    """A customer's complaint delivered and stored: its ref, Message-ID and
    the notification its department got."""
    before = complaints(srv)
    raw, mid = customer_mail(subject, body, sender=sender, name=name)
    deliver(srv, raw)
    wait_for("complaint stored", lambda: complaints(srv) > before, 60)
    ref = scalar(srv, "SELECT ref FROM complaints ORDER BY id DESC LIMIT 1")
    wait_for(f"notification of {ref}",
             lambda: [m for m in mails(srv, kind="notify") if ref in m["Subject"]], 60)
    note = [m for m in mails(srv, kind="notify") if ref in m["Subject"]][0]
    return ref, mid, note


def test_ack_names_the_answer_day(srv, bindir):
    """Received on Friday 2026-12-04 10:00 (Shanghai), Monday a holiday:
    the acknowledgement promises the result by the feedback deadline,
    Thursday the 10th, written as each language writes a date; the same
    day the deadlines hold (one computation)."""
    d = daemon(srv, bindir)
    try:
        d.start(env={"COMPLAINTD_CLOCK_OFFSET": offset_to(at(2026, 12, 4, 10))})
        zh, _, _ = new_complaint(srv, "电水壶漏水", "底座漏水，要求换货。",
                                 "wang.fang@customer.example", "王芳")
        en, _, _ = new_complaint(srv, "Kettle leaks",
                                 "The kettle I bought leaks from the base after three "
                                 "days. I would like a replacement please.",
                                 "jane.doe@customer.example", "Jane Doe")
        wait_for("two acknowledgements", lambda: len(mails(srv, kind="ack")) == 2, 60)
        ack = {m["X-Complaintd-Ref"]: text_of(m) for m in mails(srv, kind="ack")}
        assert "我们将于 2026年12月10日 前把处理结果答复您" in ack[zh], ack[zh]
        # when it came, in the calendar's zone as the promise is (this
        # machine's own zone may be UTC)
        assert "我们已于 2026-12-04 10:0" in ack[zh], ack[zh]
        assert "We received your complaint on 2026-12-04 10:0" in ack[en], ack[en]
        assert "We will tell you the outcome by 10 December 2026 at the latest" in ack[en], \
            ack[en]
        for ref in (zh, en):
            due = query(srv, "SELECT due_feedback FROM complaints WHERE ref = %s", (ref,))[0][0]
            assert due.replace(tzinfo=datetime.timezone.utc) == at(2026, 12, 10, 18), due
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_progress_note_once(srv, bindir):
    """The feedback deadline (Thursday 2026-12-10) passes: the customer left
    waiting gets one progress note in their thread naming the new date (the
    handling deadline, the make-up Saturday the 12th), and so does one who
    had an answer but not the result (policy 004: the feedback is the
    result); a restart sends nothing again; no note for a closed complaint
    nor one whose customer had the result."""
    d = daemon(srv, bindir)
    waiting, closed, answered, interim = (
        "wang.fang@customer.example", "li.lei@customer.example", "zhao.min@customer.example",
        "qian.duo@customer.example")
    try:
        d.start(env={"COMPLAINTD_CLOCK_OFFSET": offset_to(at(2026, 12, 4, 10))})
        ref, mid, _ = new_complaint(srv, "电水壶漏水", "底座漏水，要求换货。", waiting, "王芳")
        ref_c, _, note_c = new_complaint(srv, "吹风机坏了", "吹风机用了一周就不出热风了。",
                                         closed, "李雷")
        ref_a, _, note_a = new_complaint(srv, "电饭煲内胆脱皮", "电饭煲内胆涂层脱落。",
                                         answered, "赵敏")
        _, _, note_i = new_complaint(srv, "微波炉不加热", "微波炉转盘转但是不加热。",
                                     interim, "钱多")
        deliver(srv, staff_reply(note_c, "#status closed\n"))
        deliver(srv, staff_reply(note_a, "#status resolved\n赵女士您好，我们已为您更换内胆。"))
        deliver(srv, staff_reply(note_i, "钱先生您好，我们正在检查，请稍候。"))
        wait_for("closed", lambda: case(srv, ref_c)["status"] == "closed", 60)
        wait_for("answer relayed", lambda: mails(srv, answered, "relay"), 60)
        wait_for("interim answer relayed", lambda: mails(srv, interim, "relay"), 60)
        d.wait_rounds(2)
        assert not mails(srv, kind="progress"), "a note before the deadline passed"
        assert d.stop() == 0

        later = {"COMPLAINTD_CLOCK_OFFSET": offset_to(at(2026, 12, 11, 10))}
        d.start(env=later)
        wait_for("progress note", lambda: mails(srv, waiting, "progress"), 60)
        wait_for("progress note after an interim answer", lambda: mails(srv, interim, "progress"),
                 60)
        d.wait_rounds(3)
        wait_settled(srv)
        notes = mails(srv, kind="progress")
        assert sorted(n.envelope["rcpt_tos"][0] for n in notes) == sorted([waiting, interim]), \
            [n.envelope["rcpt_tos"] for n in notes]
        note = mails(srv, waiting, "progress")[0]
        text = text_of(note)
        assert "2026年12月10日" in text and "2026年12月12日" in text, text
        assert ref in decoded_subject(note)
        assert msgid(note["In-Reply-To"]) == mid and mid in note["References"]
        assert email.utils.parseaddr(note["From"])[1] == COMPANY_FROM
        cid = case(srv, ref)["id"]
        assert len(events(srv, cid, "progress_note")) == 1
        assert d.stop() == 0

        d.start(env=later)
        d.wait_rounds(3)
        assert d.stop() == 0
        assert len(mails(srv, kind="progress")) == 2, "a restart sent the note again"
        assert scalar(srv, "SELECT COUNT(*) FROM progress_notes") == 2
        assert not mails(srv, closed, "progress") and not mails(srv, answered, "progress")
        d.assert_clean_log()
    finally:
        d.close()


def test_upgrade_sends_no_old_notes(srv, bindir):
    """A database from before progress notes: a feedback deadline that had
    passed at the upgrade is recorded as not sent, so the first start does
    not mail customers of old, late complaints; one that passes after the
    upgrade gets its note."""
    d = daemon(srv, bindir)
    old, new = "old.customer@customer.example", "new.customer@customer.example"
    try:
        d.start()
        ref_old, _, _ = new_complaint(srv, "电水壶漏水", "底座漏水，要求换货。", old, "老客户")
        ref_new, _, _ = new_complaint(srv, "吹风机坏了", "吹风机不出热风了。", new, "新客户")
        assert d.stop() == 0
        execute_sql(srv, "UPDATE complaints SET due_feedback = UTC_TIMESTAMP(6) - INTERVAL 2 DAY"
                    " WHERE ref = %s", (ref_old,))
        execute_sql(srv, "DROP TABLE progress_notes")
        execute_sql(srv, "DELETE FROM schema_migrations WHERE version >= 9")
        d.migrate()
        assert query(srv, "SELECT c.ref, n.deadline, n.sent FROM progress_notes n "
                     "JOIN complaints c ON c.id = n.complaint_id") == ((ref_old, "feedback", 0),)
        execute_sql(srv, "UPDATE complaints SET due_feedback = UTC_TIMESTAMP(6) - INTERVAL 1 HOUR"
                    " WHERE ref = %s", (ref_new,))
        d.start()
        wait_for("the new complaint's note", lambda: mails(srv, new, "progress"), 60)
        d.wait_rounds(3)
        assert not mails(srv, old, "progress"), "an old, late complaint got a note at upgrade"
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def facts_of(srv, cid):
    return {r[0]: (r[1], r[2], r[3]) for r in query(
        srv, "SELECT name, value, source, rule FROM complaint_facts WHERE complaint_id = %s",
        (cid,))}


def test_case_facts(srv, bindir):
    """Case facts out of a customer's mail by the default rules' extracts:
    stored, listed in the department's notification, shown by complaintctl
    show (text and JSON), found by list --product and --order, in export;
    a follow-up adds the facts the first mail lacked and changes none, and a
    control character or a header in a capture never reaches a mail."""
    d = daemon(srv, bindir)
    try:
        d.start()
        body = ("你好，我的订单号：20261201887766，买的电水壶型号 KT-200，用了两天底座就漏水。\n"
                "请尽快处理，要求退款。我的电话：138 1234 5678。")
        ref, mid, note = first_complaint(srv, d, "电水壶漏水", body)
        cid = case(srv, ref)["id"]
        f = facts_of(srv, cid)
        assert f == {"order_no": ("20261201887766", "mail", "F_ORDER_ZH"),
                     "product": ("KT-200", "mail", "F_MODEL_ZH"),
                     "phone": ("138 1234 5678", "mail", "F_PHONE_ZH"),
                     "demand": ("refund", "mail", "F_DEMAND_REFUND_ZH")}, f
        text = text_of(note)
        for line in ("案件要素：", "  订单号：20261201887766", "  产品/型号：KT-200",
                     "  电话：138 1234 5678", "  诉求：退款"):
            assert line + "\n" in text, (line, text)
        # extract-only rules are no classification hits
        hits = [r[0] for r in query(srv, "SELECT rule FROM rule_hits WHERE complaint_id = %s",
                                    (cid,))]
        assert not [h for h in hits if h.startswith("F_")], hits

        shown = d.ctl("show", ref).stdout.decode()
        assert "\nfacts\n" in shown, shown
        for want in ("order_no", "20261201887766 (mail, F_ORDER_ZH)", "KT-200 (mail",
                     "refund (mail"):
            assert want in shown, (want, shown)
        doc = json.loads(d.ctl("show", "--json", ref).stdout)
        assert doc["facts"]["product"] == {"value": "KT-200", "source": "mail",
                                           "rule": "F_MODEL_ZH"}, doc["facts"]
        assert set(doc["facts"]) == {"order_no", "product", "phone", "demand"}, doc["facts"]
        listed = json.loads(d.ctl("list", "--json", "--product", "kt-200").stdout)
        assert [x["ref"] for x in listed] == [ref], listed
        assert listed[0]["order_no"] == "20261201887766", listed
        assert json.loads(d.ctl("list", "--json", "--order", "20261201887766").stdout)
        assert json.loads(d.ctl("list", "--json", "--order", "2026120188776").stdout) == []

        # the follow-up brings the date and place, and another order number,
        # which does not replace the first; a header smuggled into the model
        # stays on one line
        follow, _ = customer_mail(f"Re: [{ref}] 补充", "补充：2026年11月20日在万达广场专卖店买的，"
                                  "订单号：99999999，型号：XQ7\r\nBcc: x@evil.example",
                                  extra=f"In-Reply-To: <{mid}>\r\n")
        deliver(srv, follow)
        wait_for("the follow-up's facts", lambda: len(facts_of(srv, cid)) == 6, 60)
        f = facts_of(srv, cid)
        assert f["order_no"][0] == "20261201887766", f
        assert f["product"][0] == "KT-200", f
        assert f["purchase_date"][0] == "2026年11月20日", f
        assert f["purchase_place"][0] == "万达广场专卖店", f
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_case_facts_hostile(srv, bindir):
    """A product with a bidi override, a tab, and CR LF and a header after
    it: the fact is one clean line, and the notification gains no header."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "Broken kettle",
                                       "Product: Kettle\u202eK2\u202c\tdeluxe\r\n"
                                       "Bcc: x@evil.example\nI want a replacement.",
                                       name="Wang Fang")
        cid = case(srv, ref)["id"]
        f = facts_of(srv, cid)
        assert f["product"][0] == "KettleK2 deluxe", f
        assert f["demand"][0] == "exchange", f
        assert note["Bcc"] is None
        assert "  产品/型号：KettleK2 deluxe\n" in text_of(note), text_of(note)
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


TESTS = [test_case_facts, test_case_facts_hostile, test_threading_paths, test_web_complaint_reply_threads, test_reopen_and_linked, test_staff_reply_relayed,
         test_staff_commands, test_outcome_and_accountability,
         test_forged_and_automatic_staff_mail, test_history_import_is_quiet,
         test_zh_staff_mails_in_chinese, test_no_padding_without_a_name,
         test_answer_before_resolution, test_resolution_waits_for_deferred_answer,
         test_followup_threads_to_notification,
         test_deadlines_on_the_calendar, test_a_escalated_on_arrival,
         test_overdue_escalated_once, test_aborted_escalation_run_again,
         test_ack_names_the_answer_day, test_progress_note_once,
         test_upgrade_sends_no_old_notes]


def main():
    return run_tests("staff", TESTS, sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
