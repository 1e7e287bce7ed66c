#!/usr/bin/python3
"""Trust nothing a mail says (issue: follow-up hijack): a "[REF]" in a
subject does not make its writer the complaint's customer. Against real
MariaDB, Dovecot and the SMTP sink.

usage: test_trust.py BUILD_DIR [TEST ...]"""

import email.header
import hashlib
import hmac
import os
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from daemon_env import (Daemon, acks, complaints, run_tests, scalar, wait_for,  # noqa: E402
                        write_secret,
                        wait_settled)
from test_staff import (case, customer_mail, daemon, deliver, events,  # noqa: E402
                        first_complaint, mails, staff_reply)
import test_survey  # noqa: E402

CUSTOMER = "wang.fang@customer.example"
STRANGER = "mallory@elsewhere.example"


def messages_in(srv, cid):
    return scalar(srv, "SELECT COUNT(*) FROM messages WHERE complaint_id = %s "
                  "AND direction = 'in'", (cid,))


def test_ref_in_subject_is_not_enough(srv, bindir):
    """A stranger who writes "Re: [REF]" opens a new complaint linked to the
    old one: the old complaint's staff hear nothing "from the customer", its
    customer gets nothing. Nor does answering the customer's own mail: its
    Message-ID is known to whoever they copied, and often guessable. The
    customer naming the ref from their own address, and anyone answering
    our acknowledgement (In-Reply-To), join."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, mid, _ = first_complaint(srv, d, "电水壶漏水", "买了三天底座就漏水。")
        wait_for("acknowledgement", lambda: acks(srv), 30)
        ack = acks(srv)[0]
        old = case(srv, ref)
        followups = len(mails(srv, kind="followup"))

        deliver(srv, customer_mail(f"回复: [{ref}] 退款账户变更",
                                   "我是客户本人，请把退款打到这个账户：6222 0000 1111。",
                                   sender=STRANGER, name="王芳",
                                   photo=b"\xff\xd8 not really a photo")[0])
        wait_for("the stranger's mail stored", lambda: complaints(srv) == 2, 60)
        new_ref = scalar(srv, "SELECT ref FROM complaints WHERE id <> %s", (old["id"],))
        assert case(srv, new_ref)["parent_id"] == old["id"], case(srv, new_ref)
        assert messages_in(srv, old["id"]) == 1, "the stranger's mail joined the complaint"
        assert not events(srv, old["id"], "customer_message")
        wait_settled(srv)
        assert len(mails(srv, kind="followup")) == followups, \
            "staff were told the customer wrote again"
        assert not [m for m in mails(srv, CUSTOMER) if new_ref in (m["Subject"] or "")], \
            "the old complaint's customer got mail about the stranger's"

        # a stranger answering the customer's own mail, under their name
        deliver(srv, customer_mail("Re: 电水壶漏水", "请把退款打到这个账户：6222 0000 2222。",
                                   sender="mallory.s@evil.example", name="王芳",
                                   extra=f"In-Reply-To: <{mid}>\r\nReferences: <{mid}>\r\n")[0])
        wait_for("the second stranger's mail stored", lambda: complaints(srv) == 3, 60)
        third = scalar(srv, "SELECT id FROM complaints ORDER BY id DESC LIMIT 1")
        assert case(srv, scalar(srv, "SELECT ref FROM complaints WHERE id = %s",
                                (third,)))["parent_id"] == old["id"]
        assert messages_in(srv, old["id"]) == 1, "an answer to the customer's mail joined"
        assert not events(srv, old["id"], "customer_message")

        # the customer, naming the ref only, from their own address (any case)
        deliver(srv, customer_mail(f"[{ref}] 补充", "补充一张照片。",
                                   sender=CUSTOMER.upper())[0])
        wait_for("the customer's follow-up joins", lambda: messages_in(srv, old["id"]) == 2, 60)
        # an answer to our acknowledgement from another address of theirs
        deliver(srv, customer_mail("Re: 您的投诉已受理", "用公司邮箱再补充一句。",
                                   sender="wang.fang@work.example",
                                   extra=f"In-Reply-To: {ack['Message-ID']}\r\n")[0])
        wait_for("the threaded answer joins", lambda: messages_in(srv, old["id"]) == 3, 60)
        assert complaints(srv) == 3
        # every mail we sent the customer is of the thread, not only the
        # acknowledgement and relayed answers: here the resolution
        note = [m for m in mails(srv, kind="notify") if ref in m["Subject"]][0]
        deliver(srv, staff_reply(note, "#status resolved"))
        wait_for("the resolution mail", lambda: mails(srv, CUSTOMER, "resolution"), 60)
        resolution = mails(srv, CUSTOMER, "resolution")[0]
        deliver(srv, customer_mail("Re: 投诉已处理", "其实底座还是漏水。",
                                   sender="wang.fang@home.example",
                                   extra=f"In-Reply-To: {resolution['Message-ID']}\r\n")[0])
        wait_for("the answer to the resolution joins",
                 lambda: len(events(srv, old["id"], "customer_message")) == 3, 60)
        assert complaints(srv) == 3
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_stranger_cannot_answer_survey(srv, bindir):
    """A complaint waiting for its survey: "1" from a stranger with the ref
    in the subject neither rates nor reopens it, nor mails the supervisor;
    the customer's own answer does."""
    d = test_survey.daemon(srv, bindir)
    try:
        d.start()
        d.wait_web()
        ref = test_survey.resolved_complaint(srv, d, sender=CUSTOMER)
        test_survey.restart_at(d, 8 * test_survey.DAY)
        wait_for("survey", lambda: test_survey.survey_for(srv, ref), 60)
        survey = test_survey.survey_for(srv, ref)
        deliver(srv, customer_mail(f"回复: {survey['Subject']}", "1 非常不满意",
                                   sender=STRANGER)[0])
        wait_for("the stranger's mail stored", lambda: complaints(srv) == 2, 60)
        wait_settled(srv)
        assert case(srv, ref)["status"] == "resolved", case(srv, ref)
        assert scalar(srv, "SELECT COUNT(*) FROM surveys WHERE rating IS NOT NULL") == 0
        assert not acks(srv, "review"), "a stranger's rating sent the supervisor a review"
        deliver(srv, customer_mail(f"回复: {survey['Subject']}", "5 满意",
                                   sender=CUSTOMER)[0])
        wait_for("closed by the customer's rating", lambda: case(srv, ref)["status"] == "closed", 60)
        assert scalar(srv, "SELECT rating FROM surveys") == 5
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def with_authserv(d, ids):
    """[staff] authserv_id = ids in d's configuration."""
    with open(d.conf) as f:
        conf = f.read()
    with open(d.conf, "w") as f:
        f.write(conf.replace("[staff]\n", f"[staff]\nauthserv_id = {ids}\n", 1))


def test_staff_from_needs_dkim(srv, bindir):
    """With [staff] authserv_id set, a reply from the staff domain to the
    signed address is staff's only when our receiving server's
    Authentication-Results says DKIM or DMARC passed for that domain; a
    forged From (no result, or a result under somebody else's authserv-id)
    is stored, flagged, never relayed, and the department is alerted."""
    d = daemon(srv, bindir)
    with_authserv(d, "mx.shop.example")
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "电水壶漏水", "买了三天底座就漏水。")
        cid = case(srv, ref)["id"]
        forged = [
            "",
            "Authentication-Results: evil.example; dkim=pass header.d=staff.shop.example\r\n",
            "Authentication-Results: mx.shop.example; dkim=fail header.d=staff.shop.example\r\n",
        ]
        for i, extra in enumerate(forged, 1):
            deliver(srv, staff_reply(note, f"请先支付手续费 http://pay.example/{i}", extra=extra))
            wait_for(f"forged reply {i} flagged",
                     lambda: len(events(srv, cid, "unverified_staff_mail")) == i, 60)
        wait_settled(srv)
        assert not mails(srv, CUSTOMER, "relay"), "a forged staff reply was relayed"
        assert "DKIM" in (events(srv, cid, "unverified_staff_mail")[0][2] or ""), \
            events(srv, cid, "unverified_staff_mail")[0]
        genuine = "Authentication-Results: mx.shop.example;\r\n\tdkim=pass (2048-bit key) " \
                  "header.d=staff.shop.example header.s=s1\r\n"
        deliver(srv, staff_reply(note, "您好，我们将为您更换新品。", extra=genuine))
        wait_for("the genuine reply relayed", lambda: mails(srv, CUSTOMER, "relay"), 60)
        assert len(mails(srv, CUSTOMER, "relay")) == 1
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_staff_reply_once_and_assign_inside(srv, bindir):
    """The same staff text sent again with a new Message-ID reaches the
    customer once; #assign to an address outside [staff] is refused whole
    (the complaint and the customer's data never go outside)."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "电水壶漏水", "买了三天底座就漏水。")
        cid = case(srv, ref)["id"]
        text = "您好，已为您安排换货，\n快递单号稍后发送。"
        deliver(srv, staff_reply(note, text))
        wait_for("relayed", lambda: mails(srv, CUSTOMER, "relay"), 60)
        # the same words again, wrapped differently, a new Message-ID
        deliver(srv, staff_reply(note, text.replace("\n", " ") + "\n"))
        wait_for("the repeat recorded", lambda: events(srv, cid, "staff_reply_repeated"), 60)
        wait_settled(srv)
        assert len(mails(srv, CUSTOMER, "relay")) == 1, "the same staff text was relayed twice"

        outsider = "helper@freemail.example"
        deliver(srv, staff_reply(note, f"#assign {outsider}\n这件请你处理。"))
        wait_for("refused", lambda: events(srv, cid, "commands_refused"), 60)
        wait_settled(srv)
        assert outsider in events(srv, cid, "commands_refused")[0][2]
        assert case(srv, ref)["assignee"] in (None, ""), case(srv, ref)
        assert not mails(srv, outsider), "the complaint went to an outsider"
        assert len(mails(srv, CUSTOMER, "relay")) == 1, "a refused reply was relayed"
        colleague = "li.si@staff.shop.example"
        deliver(srv, staff_reply(note, f"#assign {colleague}"))
        wait_for("assigned inside", lambda: case(srv, ref)["assignee"] == colleague, 60)
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_staff_out_of_office_not_relayed(srv, bindir):
    """An out-of-office reply of a staff member's mail program that sets no
    header saying so (Lotus Notes, a hand-made rule) answers the signed
    Reply-To like a person: the customer must not get it (it gives the
    staff's absence and a manager's number). Kept on the complaint with a
    note; a staff answer whose subject holds the same words is relayed."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "休假期间电水壶漏水", "买了三天底座就漏水。")
        cid = case(srv, ref)["id"]
        for subject in ("张工 is out of the office.", "休假中：新投诉"):
            raw = staff_reply(note, "我12月20日前休假，急事请联系经理 139 0000 1111。")
            head, body = raw.split(b"\r\n\r\n", 1)
            lines = [ln for ln in head.split(b"\r\n") if not ln.startswith(b"Subject:")]
            lines.append(b"Subject: " + email.header.Header(subject, "utf-8").encode().encode())
            deliver(srv, b"\r\n".join(lines) + b"\r\n\r\n" + body)
        wait_for("both kept as notes", lambda: len([e for e in events(srv, cid, "note")
                                                    if "out-of-office" in (e[2] or "")]) == 2, 60)
        wait_settled(srv)
        assert not mails(srv, CUSTOMER, "relay"), "an out-of-office reply went to the customer"
        assert scalar(srv, "SELECT COUNT(*) FROM messages WHERE complaint_id = %s AND notes"
                      " LIKE %s", (cid, "%out-of-office%")) == 2
        assert case(srv, ref)["status"] in ("new", "acknowledged"), case(srv, ref)
        # a person answering keeps "回复:" whatever the subject says
        deliver(srv, staff_reply(note, "您好，已为您安排换货。"))
        wait_for("the answer relayed", lambda: mails(srv, CUSTOMER, "relay"), 60)
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def mint(key, ref, rcpt, day):
    """A reply token made as complaintd documents it (lib/stafftoken.h):
    key id, day, and the MAC over reference, recipient, id and day."""
    kid = hashlib.sha256(b"complaintd key id" + key).hexdigest()[:2]
    head = f"{kid}{day:04x}"
    data = b"reply\0" + ref.encode() + b"\0" + rcpt.lower().encode() + b"\0" + head.encode()
    return head + hmac.new(key, data, hashlib.sha256).hexdigest()[:16]


def signed_to(ref, token):
    return f"complaints+{ref}.{token}@shop.example"


def set_staff(d, **keys):
    """Add or replace [staff] keys in d's configuration."""
    with open(d.conf) as f:
        lines = [ln for ln in f.read().split("\n")
                 if ln.split("=")[0].strip() not in keys]
    i = lines.index("[staff]")
    lines[i + 1:i + 1] = [f"{k} = {v}" for k, v in keys.items()]
    with open(d.conf, "w") as f:
        f.write("\n".join(lines))


def test_reply_token_bound(srv, bindir):
    """The signed reply address binds the staff address the mail went to,
    the day and the key: a colleague's forged From on the assignee's
    address is not staff's, the assignee is; a department's shared address
    is answered from members' own addresses; an address older than
    token_lifetime is refused with a reason; after a key rotation the old
    key counts until previous_secret_until, and not after."""
    d = daemon(srv, bindir)
    key = open(os.path.join(d.dir, "staff.key"), "rb").read().strip()
    old = b"the-key-before-rotation-" + uuid.uuid4().hex.encode()
    write_secret(os.path.join(d.dir, "old.key"), old.decode())
    tomorrow = time.strftime("%Y-%m-%d", time.localtime(time.time() + 86400))
    set_staff(d, token_lifetime="2d", previous_secret_file="old.key",
              previous_secret_until=tomorrow)
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "电水壶漏水", "买了三天底座就漏水。")
        cid = case(srv, ref)["id"]
        dept = note.envelope["rcpt_tos"][0]
        ack = None
        wait_for("acknowledgement", lambda: acks(srv), 30)
        ack = acks(srv)[0]
        assignee = "li.si@staff.shop.example"
        # the department's address is shared: a member answers from their own
        deliver(srv, staff_reply(note, f"#assign {assignee}", sender="zhou@staff.shop.example"))
        wait_for("assigned", lambda: case(srv, ref)["assignee"] == assignee, 60)

        deliver(srv, customer_mail(f"回复: [{ref}] 补充", "什么时候换货？",
                                   extra=f"In-Reply-To: <{ack['Message-ID'].strip('<>')}>\r\n")[0])
        wait_for("the assignee told", lambda: mails(srv, assignee, "followup"), 60)
        told = mails(srv, assignee, "followup")[0]
        assert told["Reply-To"] != note["Reply-To"]
        # a colleague (or a forger in the staff domain) on the assignee's address
        deliver(srv, staff_reply(told, "请先支付手续费 http://pay.example/1",
                                 sender="wang.wu@staff.shop.example"))
        wait_for("flagged", lambda: events(srv, cid, "unverified_staff_mail"), 60)
        assert "this sender" in events(srv, cid, "unverified_staff_mail")[0][2]
        deliver(srv, staff_reply(told, "您好，明天为您换货。"))
        wait_for("the assignee's reply relayed", lambda: mails(srv, CUSTOMER, "relay"), 60)

        # made by the documented algorithm: today's is good, an old one expired
        today = int(time.time()) // 86400
        deliver(srv, staff_reply(note, "换货单号 SF100。",
                                 to=signed_to(ref, mint(key, ref, dept, today))))
        wait_for("a token made outside relayed", lambda: len(mails(srv, CUSTOMER, "relay")) == 2,
                 60)
        deliver(srv, staff_reply(note, "旧地址的回复。",
                                 to=signed_to(ref, mint(key, ref, dept, today - 3))))
        wait_for("expired flagged", lambda: len(events(srv, cid, "unverified_staff_mail")) == 2,
                 60)
        assert "expired" in events(srv, cid, "unverified_staff_mail")[1][2]
        # the previous key, inside its grace; a key we never had
        deliver(srv, staff_reply(note, "旧钥匙签的回复。",
                                 to=signed_to(ref, mint(old, ref, dept, today - 1))))
        wait_for("the old key's reply relayed", lambda: len(mails(srv, CUSTOMER, "relay")) == 3,
                 60)
        deliver(srv, staff_reply(note, "陌生钥匙。",
                                 to=signed_to(ref, mint(b"never-ours-" * 3, ref, dept, today))))
        wait_for("unknown key flagged",
                 lambda: len(events(srv, cid, "unverified_staff_mail")) == 3, 60)
        assert d.stop() == 0

        # the grace is over: the old key's addresses no longer count
        set_staff(d, previous_secret_until="2020-01-31")
        d.start()
        deliver(srv, staff_reply(note, "宽限期以后。",
                                 to=signed_to(ref, mint(old, ref, dept, today))))
        wait_for("after the grace flagged",
                 lambda: len(events(srv, cid, "unverified_staff_mail")) == 4, 60)
        wait_settled(srv)
        assert len(mails(srv, CUSTOMER, "relay")) == 3, "a refused reply was relayed"
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def body_of(msg):
    return msg.get_body(preferencelist=("plain",)).get_content()


def test_ack_is_no_weapon(srv, bindir):
    """The acknowledgement carries none of a stranger's text: no subject,
    no name that holds a link or a message (greeting and To); its limits
    count a mailbox, not a spelling (+tags, case, Gmail dots) and a domain
    per day; it goes to From, never to a foreign Reply-To; the web rate
    limit counts an IPv6 client by its /64."""
    import test_web
    d = Daemon(srv, bindir, web={"rate_limit": "3", "rate_window": "1h",
                                 "trusted_proxies": "127.0.0.3"},
               extra={"acknowledge": {"max_per_sender_per_hour": "1",
                                      "max_per_domain_per_day": "3"}})
    try:
        d.migrate()
        d.start()
        d.wait_web()
        lure = "Your account is locked, verify at http://login.bank.example"
        obj = dict(test_web.GOOD, token="t-" + uuid.uuid4().hex, lang="en",
                   name=lure, email="victim@target.example",
                   description="URGENT: verify your account at http://login.bank.example")
        st, _, body = test_web.post_json(d, obj)
        assert st == 201, (st, body)
        wait_for("acknowledgement", lambda: acks(srv), 30)
        ack = acks(srv)[0]
        text = str(ack["Subject"]) + str(ack["To"]) + body_of(ack)
        for bad in ("locked", "login.bank", "URGENT", "http://"):
            assert bad not in text, (bad, ack["Subject"], ack["To"], body_of(ack))
        assert "Dear customer" in body_of(ack), body_of(ack)

        # the same mailbox spelled otherwise: no second acknowledgement
        for addr in ("victim+1@target.example", "VICTIM+2@Target.Example"):
            st, _, _ = test_web.post_json(d, dict(obj, token="t-" + uuid.uuid4().hex,
                                                  email=addr), source="127.0.0.2")
            assert st == 201, st
        wait_for("3 complaints", lambda: complaints(srv) == 3, 30)
        wait_settled(srv)
        assert len(acks(srv)) == 1, [a["To"] for a in acks(srv)]
        assert b"per-sender hourly limit reached" in d.log_text()

        # a domain's daily cap (3): the 4th address there gets nothing
        for i in range(3):
            deliver(srv, customer_mail("电水壶漏水", "漏水。", sender=f"user{i}@cap.example")[0])
        wait_for("3 acknowledgements to cap.example", lambda: len(
            [a for a in acks(srv) if "cap.example" in a.envelope["rcpt_tos"][0]]) == 3, 60)
        deliver(srv, customer_mail("电水壶漏水", "漏水。", sender="user9@cap.example")[0])
        wait_for("7 complaints", lambda: complaints(srv) == 7, 60)
        wait_settled(srv)
        assert len([a for a in acks(srv) if "cap.example" in a.envelope["rcpt_tos"][0]]) == 3
        assert b"per-domain daily limit reached" in d.log_text()

        # a forged Reply-To elsewhere: the acknowledgement goes to From
        deliver(srv, customer_mail("快递延误", "晚了三天。", sender="sender@own.example",
                                   extra="Reply-To: third@party.example\r\n")[0])
        wait_for("acknowledged to From", lambda: [
            a for a in acks(srv) if a.envelope["rcpt_tos"] == ["sender@own.example"]], 60)
        wait_settled(srv)
        assert not [a for a in acks(srv) if "party.example" in a.envelope["rcpt_tos"][0]]

        # IPv6 clients behind the proxy: one /64 is one client
        for i in range(1, 4):
            st, _, _ = test_web.post_form(d, dict(test_web.GOOD, email="bad"), source="127.0.0.3",
                                          headers={"X-Forwarded-For": f"2001:db8:1:2::{i}"})
            assert st == 400, st
        st, _, _ = test_web.post_form(d, dict(test_web.GOOD, email="bad"), source="127.0.0.3",
                                      headers={"X-Forwarded-For": "2001:db8:1:2:ffff::9"})
        assert st == 429, "another address of the same /64 was a new client"
        st, _, _ = test_web.post_form(d, dict(test_web.GOOD, email="bad"), source="127.0.0.3",
                                      headers={"X-Forwarded-For": "2001:db8:1:3::1"})
        assert st == 400, st
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_reply_to_address_joins(srv, bindir):
    """The customer wrote with a Reply-To of their own domain, so the
    acknowledgement went there: a later mail from that address naming only
    [REF] is the customer's; the same from another domain is not."""
    d = daemon(srv, bindir)
    try:
        d.start()
        alias = "fang.wang@customer.example"
        ref, _, _ = first_complaint(srv, d, "电水壶漏水", "买了三天底座就漏水。",
                                    extra=f"Reply-To: 王芳 <{alias}>\r\n")
        wait_for("acknowledgement", lambda: acks(srv), 30)
        assert acks(srv)[0].envelope["rcpt_tos"] == [alias], acks(srv)[0].envelope
        old = case(srv, ref)
        deliver(srv, customer_mail(f"[{ref}] 补充", "再补充一句：盖子也关不紧。",
                                   sender=alias.upper())[0])
        wait_for("the follow-up from the Reply-To joins",
                 lambda: messages_in(srv, old["id"]) == 2, 60)
        deliver(srv, customer_mail(f"[{ref}] 补充", "我也是客户。",
                                   sender="fang.wang@elsewhere.example")[0])
        wait_for("another domain's mail stored", lambda: complaints(srv) == 2, 60)
        assert messages_in(srv, old["id"]) == 2
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


TESTS = [test_ref_in_subject_is_not_enough, test_stranger_cannot_answer_survey,
         test_staff_from_needs_dkim, test_staff_reply_once_and_assign_inside,
         test_ack_is_no_weapon, test_reply_token_bound, test_reply_to_address_joins,
         test_staff_out_of_office_not_relayed]

if __name__ == "__main__":
    sys.exit(run_tests("trust", TESTS, sys.argv[1:]))
