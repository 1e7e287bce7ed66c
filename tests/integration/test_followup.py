#!/usr/bin/python3
"""The whole thread counts (issue 9, point 3), end to end against real
MariaDB, Dovecot and the SMTP sink: every customer follow-up is classified
(its hits kept with its message); it can raise the complaint's severity
(a raise to A reports to the leadership once and starts the plan deadline,
as a staff "#severity A" does) and give an "other" complaint its category;
the history names the rules. Staff decisions stay, and staff mail, machine
mail and what a follow-up only quotes never reclassify.

The sentences are ones any sane rule set classifies the same way: the
tests name no rule, they read the rules that fired from rule_hits.

usage: test_followup.py BINDIR [TEST ...]"""

import imaplib
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from daemon_env import (COMPANY_FROM, complaints, decoded_subject, execute_sql,  # noqa: E402
                        query, run_tests, scalar, wait_for, wait_settled)
from test_staff import (APPROVER, LEADERS, case, customer_mail, daemon, deliver, events,  # noqa: E402
                        first_complaint, mails, staff_reply, text_of)


def followup(srv, ref, body, in_reply_to=None, extra=""):
    """The customer writes again in the thread of ref; returns the
    complaint's number of 'classified' events to wait for."""
    cid = case(srv, ref)["id"]
    want = len(events(srv, cid, "classified")) + 1
    if in_reply_to:
        extra += f"In-Reply-To: {in_reply_to}\r\n"
    raw, _ = customer_mail(f"Re: [{ref}] 我的投诉", body, extra=extra)
    deliver(srv, raw)
    return want


def wait_classified(srv, ref, n):
    cid = case(srv, ref)["id"]
    wait_for(f"follow-up {n} of {ref} classified",
             lambda: len(events(srv, cid, "classified")) >= n, 60)


def leadership_mails(srv, ref):
    return {lead: [m for m in mails(srv, lead, "escalation") if ref in m["Subject"]]
            for lead in LEADERS}


def last_in_row(srv, cid):
    return scalar(srv, "SELECT MAX(id) FROM messages WHERE complaint_id = %s "
                  "AND direction = 'in'", (cid,))


def rules_of(srv, row, effect):
    """Rules that fired on message row with effect (e.g. 'severity>=A')."""
    return [r for r, e in query(srv, "SELECT rule, effect FROM rule_hits "
                                "WHERE message_row_id = %s", (row,))
            if any(t.startswith(effect) for t in e.split())]


def assert_names_rules(detail, srv, row, effect):
    names = rules_of(srv, row, effect)
    assert names, f"no rule with {effect} stored for message {row}"
    assert all(n in detail for n in names), (names, detail)


def test_media_threat_raises_to_a(srv, bindir):
    """C complaint; the customer's reply to the acknowledgement threatens
    the media: A at once, the leadership mailed once, the plan deadline set,
    the history (and complaintctl show) names the rule. A second threat
    mails no one again; staff '#severity C' then stays, whatever the
    customer writes next."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "快递晚了", "快递晚了两天，请尽快处理。")
        c = case(srv, ref)
        assert c["severity"] == "C", c
        wait_for("ack", lambda: mails(srv, kind="ack"), 30)
        ack = mails(srv, kind="ack")[0]
        quoted = "\n".join("> " + line for line in text_of(ack).splitlines())
        n = followup(srv, ref, "再不处理我就找记者曝光！\n\n"
                     f"在 2026年12月4日，示例商城 <{COMPANY_FROM}> 写道：\n{quoted}\n",
                     in_reply_to=ack["Message-ID"])
        for lead in LEADERS:
            wait_for(f"escalation to {lead}", lambda: leadership_mails(srv, ref)[lead], 60)
        c = case(srv, ref)
        assert c["severity"] == "A", c
        wait_classified(srv, ref, n)
        row = last_in_row(srv, c["id"])
        plan, = query(srv, "SELECT due_plan FROM complaints WHERE ref = %s", (ref,))[0]
        got = scalar(srv, "SELECT received_at FROM messages WHERE id = %s", (row,))
        assert plan is not None and abs((plan - got).total_seconds() - 4 * 3600) < 2, \
            (plan, got)
        assert scalar(srv, "SELECT COUNT(*) FROM escalations WHERE complaint_id = %s "
                      "AND deadline = 'arrival'", (c["id"],)) == 1
        # the customer's words go along to the leadership
        assert "找记者曝光" in text_of(leadership_mails(srv, ref)[LEADERS[0]][0])
        (kind, actor, detail), = events(srv, c["id"], "reclassified")
        assert detail.startswith("severity C -> A by rule"), detail
        assert "记者" in detail, detail
        assert_names_rules(detail, srv, row, "severity>=A")
        show = json.loads(d.ctl("show", "--json", ref).stdout)
        assert [h["detail"] for h in show["history"] if h["kind"] == "reclassified"] == \
            [detail], show["history"]
        assert show["staff_decided"] == [], show["staff_decided"]
        assert "reclassified" in d.ctl("show", ref).stdout.decode()
        # whoever handles it is told of the follow-up, at its new severity
        wait_for("follow-up to the department", lambda: mails(srv, kind="followup"), 30)
        assert "找记者曝光" in text_of(mails(srv, kind="followup")[0])

        # a second threat: already A, the leadership is not mailed again
        n = followup(srv, ref, "我要找记者曝光，说到做到。")
        wait_classified(srv, ref, n)
        wait_settled(srv)
        assert {k: len(v) for k, v in leadership_mails(srv, ref).items()} == \
            {lead: 1 for lead in LEADERS}
        assert len(events(srv, c["id"], "reclassified")) == 1

        # staff judge it C: a further threat leaves it C and mails no one
        deliver(srv, staff_reply(note, "#severity C\n#note 已电话沟通，客户情绪已平复。"))
        wait_for("staff set C", lambda: case(srv, ref)["severity"] == "C", 60)
        assert scalar(srv, "SELECT staff_decided FROM complaints WHERE ref = %s",
                      (ref,)) == "severity"
        assert json.loads(d.ctl("show", "--json", ref).stdout)["staff_decided"] == ["severity"]
        assert re.search(r"^severity\s+C \(set by staff\)$",
                         d.ctl("show", ref).stdout.decode(), re.M)
        n = followup(srv, ref, "再不处理我就找记者曝光！")
        wait_classified(srv, ref, n)
        wait_settled(srv)
        assert case(srv, ref)["severity"] == "C", "a follow-up overrode staff's #severity"
        assert len(events(srv, c["id"], "reclassified")) == 1
        assert {k: len(v) for k, v in leadership_mails(srv, ref).items()} == \
            {lead: 1 for lead in LEADERS}
        # the verdict is kept all the same: it says A, the record says C
        row = last_in_row(srv, c["id"])
        assert rules_of(srv, row, "severity>=A")
        assert events(srv, c["id"], "classified")[-1][2].endswith("severity=A")
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_regional_authority_raises_to_b(srv, bindir):
    """A follow-up naming 12315 raises C to B, without the leadership; a
    later reply that only quotes threatening words (our relay) and a
    follow-up that says less (C) change nothing: never lowered."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "快递晚了", "快递晚了两天，请尽快处理。")
        n = followup(srv, ref, "我已经向12315投诉了。")
        wait_for("B", lambda: case(srv, ref)["severity"] == "B", 60)
        c = case(srv, ref)
        wait_classified(srv, ref, n)
        (_, _, detail), = events(srv, c["id"], "reclassified")
        assert detail.startswith("severity C -> B by rule"), detail
        assert "12315" in detail, detail
        assert_names_rules(detail, srv, last_in_row(srv, c["id"]), "severity>=B")
        assert query(srv, "SELECT due_plan FROM complaints WHERE ref = %s",
                     (ref,))[0][0] is None, "only A has a plan deadline"

        # B: the customer is answered once the plan is approved
        deliver(srv, staff_reply(note, "#plan 今天补发，附道歉信"))
        wait_for("plan request", lambda: mails(srv, APPROVER, "plan_request"), 60)
        deliver(srv, staff_reply(mails(srv, APPROVER, "plan_request")[0], "#approve"))
        wait_for("plan approved", lambda: mails(srv, kind="plan_decision"), 60)
        # staff answer mentioning the media; the customer's thanks quote it
        # (rules read what the customer wrote: "any" is subject + fresh text)
        deliver(srv, staff_reply(note, "关于您提到的找记者曝光一事，我们非常重视，今天就为您补发。"))
        wait_for("relay", lambda: mails(srv, "wang.fang@customer.example", "relay"), 60)
        relay = mails(srv, "wang.fang@customer.example", "relay")[0]
        quoted = "\n".join("> " + line for line in text_of(relay).splitlines())
        n = followup(srv, ref, "好的，谢谢。\n\n"
                     f"在 2026年12月4日，示例商城 <{COMPANY_FROM}> 写道：\n{quoted}\n",
                     in_reply_to=relay["Message-ID"])
        wait_classified(srv, ref, n)
        n = followup(srv, ref, "收到了，谢谢。")
        wait_classified(srv, ref, n)
        wait_settled(srv)
        assert case(srv, ref)["severity"] == "B", case(srv, ref)
        assert len(events(srv, c["id"], "reclassified")) == 1
        assert not mails(srv, LEADERS[0], "escalation")
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_other_gets_its_category(srv, bindir):
    """An 'other' complaint whose follow-up describes a leaking kettle
    becomes 'quality'; a later follow-up about delivery does not change a
    real category. A complaint staff left at 'other' with #category stays
    'other'."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, _ = first_complaint(srv, d, "周末营业时间", "你好，请问你们周末营业吗？")
        assert case(srv, ref)["category"] == "other", case(srv, ref)
        n = followup(srv, ref, "还有，刚买的电水壶漏水了。")
        wait_for("quality", lambda: case(srv, ref)["category"] == "quality", 60)
        c = case(srv, ref)
        wait_classified(srv, ref, n)
        (_, _, detail), = events(srv, c["id"], "reclassified")
        assert detail.startswith("category other -> quality by rule"), detail
        assert_names_rules(detail, srv, last_in_row(srv, c["id"]), "quality+")
        n = followup(srv, ref, "另外快递员态度很差，把包裹扔在门口。")
        wait_classified(srv, ref, n)
        assert case(srv, ref)["category"] == "quality", "a real category was changed"
        assert len(events(srv, c["id"], "reclassified")) == 1

        raw, _ = customer_mail("营业时间", "你好，请问你们几点关门？",
                               sender="li.lei@customer.example", name="李雷")
        before = len(mails(srv, kind="notify"))
        deliver(srv, raw)
        wait_for("second notification", lambda: len(mails(srv, kind="notify")) > before, 60)
        note2 = mails(srv, kind="notify")[-1]
        ref2 = re.search(r"\[(CMP-\d{8}-\d+)\]", decoded_subject(note2)).group(1)
        deliver(srv, staff_reply(note2, "#category other\n#note 咨询，不是投诉。"))
        cid2 = case(srv, ref2)["id"]
        wait_for("staff command", lambda: events(srv, cid2, "commands"), 60)
        raw, _ = customer_mail(f"Re: [{ref2}] 营业时间", "顺便说一下，电水壶漏水了。",
                               sender="li.lei@customer.example", name="李雷")
        deliver(srv, raw)
        wait_for("classified", lambda: events(srv, cid2, "classified"), 60)
        assert case(srv, ref2)["category"] == "other", "a follow-up overrode staff's #category"
        assert not events(srv, cid2, "reclassified")
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_staff_and_machine_mail_never_reclassify(srv, bindir):
    """Staff replies (a note, an answer) and the customer's auto-reply
    that speak of the media leave a C complaint C and are not classified."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "快递晚了", "快递晚了两天，请尽快处理。")
        cid = case(srv, ref)["id"]
        deliver(srv, staff_reply(note, "#note 客户说要找记者曝光，先安抚。"))
        wait_for("note", lambda: events(srv, cid, "note"), 60)
        deliver(srv, staff_reply(note, "您好，请不要找记者，我们马上处理。"))
        wait_for("relay", lambda: mails(srv, "wang.fang@customer.example", "relay"), 60)
        raw, _ = customer_mail(f"自动回复: [{ref}] 我的投诉", "我在休假。如有急事我会找记者曝光。",
                               extra="Auto-Submitted: auto-replied\r\n")
        deliver(srv, raw)
        wait_for("auto-reply stored", lambda: scalar(
            srv, "SELECT COUNT(*) FROM messages WHERE direction = 'in'") == 4, 60)
        wait_settled(srv)
        assert case(srv, ref)["severity"] == "C", case(srv, ref)
        assert not events(srv, cid, "classified") and not events(srv, cid, "reclassified")
        assert not mails(srv, LEADERS[0], "escalation")
        assert scalar(srv, "SELECT COUNT(*) FROM rule_hits "
                      "WHERE effect LIKE '%%severity>=A%%'") == 0
        assert complaints(srv) == 1
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_history_raises_nothing(srv, bindir):
    """Old mail found when a mailbox is first attached is history: a
    threatening follow-up in it keeps its rule hits but raises nothing and
    mails no one, as its complaint was not announced either."""
    d = daemon(srv, bindir)
    try:
        first, mid = customer_mail("快递晚了", "快递晚了两天，请尽快处理。")
        later, _ = customer_mail("Re: 快递晚了", "再不处理我就找记者曝光！",
                                 extra=f"In-Reply-To: <{mid}>\r\nReferences: <{mid}>\r\n")
        c = srv.dovecot.imap("alice")  # delivered a month ago, as the server says
        for raw in (first, later):
            c.append("INBOX", None, imaplib.Time2Internaldate(time.time() - 30 * 86400), raw)
        c.logout()
        d.start()
        wait_for("both stored", lambda: scalar(
            srv, "SELECT COUNT(*) FROM messages WHERE complaint_id IS NOT NULL") == 2, 60)
        d.wait_rounds(2)
        wait_settled(srv)
        assert complaints(srv) == 1
        ref = scalar(srv, "SELECT ref FROM complaints")
        c = case(srv, ref)
        assert c["severity"] == "C", c
        assert rules_of(srv, last_in_row(srv, c["id"]), "severity>=A")
        assert not events(srv, c["id"], "reclassified")
        assert not srv.sink.messages(), [m["rcpt_tos"] for m in srv.sink.messages()]
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_migration_reads_earlier_staff_decisions(srv, bindir):
    """A database from before staff decisions were recorded: the migration
    finds them in the commands events."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "快递晚了", "快递晚了两天，请尽快处理。")
        deliver(srv, staff_reply(note, "#category service\n#status in_progress"))
        wait_for("commands", lambda: case(srv, ref)["category"] == "service", 60)
        assert d.stop() == 0
        execute_sql(srv, "ALTER TABLE complaints DROP COLUMN staff_decided")
        execute_sql(srv, "DELETE FROM schema_migrations WHERE version >= 5")
        d.migrate()
        assert scalar(srv, "SELECT staff_decided FROM complaints WHERE ref = %s",
                      (ref,)) == "category"
        d.assert_clean_log()
    finally:
        d.close()


TESTS = [test_media_threat_raises_to_a, test_regional_authority_raises_to_b,
         test_other_gets_its_category, test_staff_and_machine_mail_never_reclassify,
         test_history_raises_nothing, test_migration_reads_earlier_staff_decisions]


def main():
    return run_tests("followup", TESTS, sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
