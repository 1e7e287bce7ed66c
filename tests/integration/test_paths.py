#!/usr/bin/python3
"""The paths by severity and the deadlines as policy 004 means them, end
to end against real MariaDB, Dovecot and the SMTP sink (issue 11 points 5
and 6): a B complaint's plan needs an approver before the customer hears
anything but the acknowledgement, approvers are reminded once per plan; an
A plan counts only from the crisis team or the leadership; #escalate raises
one level; #report meets the investigation, the result (an answer with or
after the resolution) the feedback, the survey the closure, and a resolved
complaint waiting for its survey is not escalated.

usage: test_paths.py BINDIR [TEST ...]"""

import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from daemon_env import (Daemon, execute_sql, query, run_tests, scalar,  # noqa: E402
                        wait_for, wait_settled, write_secret)
from test_staff import (CALENDAR, DEPT, LEADERS, STAFF_DOMAIN, case, customer_mail,  # noqa: E402
                        deliver, events, first_complaint, mails, staff_reply, text_of)

CUSTOMER = "wang.fang@customer.example"
HANDLER = f"zhang.gong@{STAFF_DOMAIN}"
APPROVER = f"manager@{STAFF_DOMAIN}"
CRISIS = f"chen@{STAFF_DOMAIN}"


def daemon(srv, bindir, survey=None, deadlines=None):
    d = Daemon(srv, bindir, extra={
        "staff": {"addresses": "; ".join(LEADERS), "domains": STAFF_DOMAIN,
                  "secret_file": "staff.key", "lang": "zh"},
        "routes": dict(DEPT),
        "escalation": {"supervisor": f"supervisor@{STAFF_DOMAIN}",
                       "director": f"director@{STAFF_DOMAIN}",
                       "leadership": "; ".join(LEADERS), "interval": "1d",
                       "check_interval": "1s"},
        "approval": {"approvers": APPROVER, "crisis_team": CRISIS, "remind_after": "1h"},
        "deadlines": dict({"calendar_file": "calendar"}, **(deadlines or {})),
        "survey": dict({"delay": "3d"}, **(survey or {})),
    })
    write_secret(os.path.join(d.dir, "staff.key"), "k3y-for-the-path-tests-" + uuid.uuid4().hex)
    with open(os.path.join(d.dir, "calendar"), "w") as f:
        f.write(CALENDAR)
    d.migrate()
    return d


def met(d, ref):
    """complaintctl show's deadlines: name -> met_at (None while not met)."""
    show = json.loads(d.ctl("show", "--json", ref).stdout)
    return {x["name"]: x["met_at"] for x in show["deadlines"]}


def about(ref, msgs):
    return [m for m in msgs if ref in m["Subject"]]


def plan_state(srv, ref):
    return query(srv, "SELECT plan_decision, plan_proposed_by FROM complaints WHERE ref = %s",
                 (ref,))[0]


def test_b_plan_needs_approval(srv, bindir):
    """#escalate raises a C complaint to B (recorded with who and the
    reason); from then on an answer to the customer or a resolution is
    refused, with a Chinese notice to its writer, until an approver
    approves the plan: the plan goes to the approvers, a rejection and an
    approval to the plan's writer, a decision by someone else or on one's
    own plan is refused; after the approval the answer is relayed."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "电水壶漏水", "新买的电水壶底座漏水，要求换货。")
        cid = case(srv, ref)["id"]
        assert case(srv, ref)["severity"] == "C"
        deliver(srv, staff_reply(note, "#escalate 客户说已向12315投诉", sender=HANDLER))
        wait_for("raised to B", lambda: case(srv, ref)["severity"] == "B", 60)
        raised = [e for e in events(srv, cid, "commands") if "escalated C -> B" in e[2]]
        assert raised and raised[0][1] == HANDLER and "12315" in raised[0][2], \
            events(srv, cid, "commands")

        deliver(srv, staff_reply(note, "王女士您好，我们会为您换一台新的。", sender=HANDLER))
        wait_for("notice to the handler", lambda: mails(srv, HANDLER, "staff_error"), 60)
        notice = text_of(mails(srv, HANDLER, "staff_error")[0])
        assert "B 级投诉" in notice and "还没有处理方案" in notice and "#plan" in notice, notice
        deliver(srv, staff_reply(note, "#status resolved\n已换货。", sender=HANDLER))
        wait_for("second notice", lambda: len(mails(srv, HANDLER, "staff_error")) == 2, 60)
        assert "不能设为已解决" in text_of(mails(srv, HANDLER, "staff_error")[1])

        deliver(srv, staff_reply(note, "#plan 换新机一台\n并补偿运费 20 元。", sender=HANDLER))
        wait_for("plan to the approver", lambda: mails(srv, APPROVER, "plan_request"), 60)
        request = mails(srv, APPROVER, "plan_request")[0]
        assert "换新机一台" in text_of(request) and "补偿运费" in text_of(request)
        assert plan_state(srv, ref) == ("pending", HANDLER)
        assert "换新机一台" in events(srv, cid, "plan")[0][2]

        # someone who is no approver, then the writer approving their own plan
        deliver(srv, staff_reply(note, "#approve", sender=f"li.si@{STAFF_DOMAIN}"))
        wait_for("not an approver", lambda: mails(srv, f"li.si@{STAFF_DOMAIN}", "staff_error"),
                 60)
        assert "不是审批人" in text_of(mails(srv, f"li.si@{STAFF_DOMAIN}", "staff_error")[0])

        deliver(srv, staff_reply(request, "#reject 运费补偿不符合规定", sender=APPROVER))
        wait_for("rejection to the writer", lambda: mails(srv, HANDLER, "plan_decision"), 60)
        assert "运费补偿不符合规定" in text_of(mails(srv, HANDLER, "plan_decision")[0])
        assert plan_state(srv, ref)[0] == "rejected"
        deliver(srv, staff_reply(note, "王女士您好，我们会为您换一台新的。", sender=HANDLER))
        wait_for("third notice", lambda: len(mails(srv, HANDLER, "staff_error")) == 3, 60)
        assert "已被驳回" in text_of(mails(srv, HANDLER, "staff_error")[2])

        deliver(srv, staff_reply(note, "#plan 换新机一台", sender=HANDLER))
        wait_for("second request", lambda: len(mails(srv, APPROVER, "plan_request")) == 2, 60)
        deliver(srv, staff_reply(mails(srv, APPROVER, "plan_request")[1], "#approve 同意",
                                 sender=APPROVER))
        wait_for("approved", lambda: plan_state(srv, ref)[0] == "approved", 60)
        wait_for("approval to the writer",
                 lambda: len(mails(srv, HANDLER, "plan_decision")) == 2, 60)
        assert met(d, ref)["plan"] is not None, "the approval is the plan's step"
        show = json.loads(d.ctl("show", "--json", ref).stdout)
        assert show["plan"] == {"by": HANDLER, "decision": "approved"}, show["plan"]
        wait_settled(srv)
        assert not mails(srv, CUSTOMER, "relay"), "an answer went out before the approval"

        deliver(srv, staff_reply(note, "王女士您好，我们会为您换一台新的。", sender=HANDLER))
        wait_for("relayed after the approval", lambda: mails(srv, CUSTOMER, "relay"), 60)
        assert [e[1] for e in events(srv, cid, "plan_approved")] == [APPROVER]
        assert len(mails(srv, HANDLER, "staff_error")) == 3
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_plan_reminder_once(srv, bindir):
    """A plan nobody decides: remind_after (1 h) later the approver is
    reminded, once, also across a restart; a decided plan is not."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "电水壶漏水", "新买的电水壶底座漏水，要求换货。")
        deliver(srv, staff_reply(note, "#severity B\n#plan 换新机一台", sender=HANDLER))
        wait_for("plan request", lambda: mails(srv, APPROVER, "plan_request"), 60)
        d.wait_rounds(2)
        assert not mails(srv, APPROVER, "plan_reminder"), "reminded before the delay"
        assert d.stop() == 0
        later = {"COMPLAINTD_CLOCK_OFFSET": str(2 * 3600)}
        d.start(env=later)
        wait_for("reminder", lambda: mails(srv, APPROVER, "plan_reminder"), 60)
        reminder = mails(srv, APPROVER, "plan_reminder")[0]
        assert "提醒" in reminder["Subject"] or ref in reminder["Subject"]
        assert "一直在等待您的审批" in text_of(reminder), text_of(reminder)
        assert d.stop() == 0
        d.start(env=later)
        d.wait_rounds(3)
        assert d.stop() == 0
        assert len(mails(srv, APPROVER, "plan_reminder")) == 1, "reminded twice"
        cid = case(srv, ref)["id"]
        assert len(events(srv, cid, "plan_reminder")) == 1
        d.assert_clean_log()
    finally:
        d.close()


def test_a_plan_from_crisis_or_leadership(srv, bindir):
    """An A complaint: the department's answer and a #plan from outside
    the crisis team and the leadership do not meet the 4-hour plan
    deadline (the #plan is refused); the leadership's #plan does. #escalate
    of an A complaint changes nothing and says so; #escalate of a B
    complaint makes it A and tells the leadership."""
    d = daemon(srv, bindir)
    try:
        d.start()
        raw, _ = customer_mail("洗衣机漏电，已联系电视台曝光", "洗衣机漏电把我电了一下，我已经联系了电视台。")
        deliver(srv, raw)
        wait_for("escalation to the leadership", lambda: mails(srv, LEADERS[0], "escalation"), 60)
        ref = scalar(srv, "SELECT ref FROM complaints")
        assert case(srv, ref)["severity"] == "A"
        note = about(ref, mails(srv, DEPT["crisis-team"], "notify"))[0]
        deliver(srv, staff_reply(note, "王先生您好，我们已派人上门检查。"))
        wait_for("answer relayed", lambda: mails(srv, CUSTOMER, "relay"), 60)
        deliver(srv, staff_reply(note, "#plan 上门检修并赔偿"))
        wait_for("plan refused",
                 lambda: mails(srv, DEPT["crisis-team"], "staff_error"), 60)
        assert "危机处理小组或领导小组" in text_of(mails(srv, DEPT["crisis-team"], "staff_error")[0])
        deliver(srv, staff_reply(note, "#escalate 客户又打电话"))
        wait_for("escalate refused",
                 lambda: len(mails(srv, DEPT["crisis-team"], "staff_error")) == 2, 60)
        assert "已是最高等级 A" in text_of(mails(srv, DEPT["crisis-team"], "staff_error")[1])
        assert met(d, ref)["plan"] is None, "a staff reply met the A plan deadline"

        lead = about(ref, mails(srv, LEADERS[0], "escalation"))[0]
        deliver(srv, staff_reply(lead, "#plan 成立专项小组，今天上门，按三倍赔偿",
                                 sender=LEADERS[0]))
        wait_for("plan met", lambda: met(d, ref)["plan"] is not None, 60)
        assert plan_state(srv, ref) == (None, LEADERS[0])
        assert "专项小组" in events(srv, case(srv, ref)["id"], "plan")[0][2]

        # B to A by #escalate: the leadership hears at once, the A plan runs
        ref2, _, note2 = first_complaint(srv, d, "电水壶漏水", "新买的电水壶底座漏水，要求换货。",
                                         sender="li.lei@customer.example")
        note2 = about(ref2, mails(srv, kind="notify"))[0]
        deliver(srv, staff_reply(note2, "#severity B"))
        wait_for("B", lambda: case(srv, ref2)["severity"] == "B", 60)
        deliver(srv, staff_reply(note2, "#escalate 客户要找媒体"))
        wait_for("A", lambda: case(srv, ref2)["severity"] == "A", 60)
        for lead in LEADERS:
            wait_for(f"{ref2} to {lead}",
                     lambda: about(ref2, mails(srv, lead, "escalation")), 60)
        assert query(srv, "SELECT due_plan FROM complaints WHERE ref = %s", (ref2,))[0][0]
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_deadlines_as_policy_means(srv, bindir):
    """An answer before the resolution is no feedback, #report meets the
    investigation, the answer with #status resolved is the feedback; a
    resolved complaint waits for its survey past the closure deadline
    without an escalation, and the survey meets the closure."""
    d = daemon(srv, bindir, survey={"delay": "7d"}, deadlines={"closure": "1"})
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "电水壶漏水", "新买的电水壶底座漏水，要求换货。")
        deliver(srv, staff_reply(note, "王女士您好，我们正在调查，请稍候。"))
        wait_for("interim answer", lambda: mails(srv, CUSTOMER, "relay"), 60)
        m = met(d, ref)
        assert m["feedback"] is None and m["investigation"] is None, m
        assert case(srv, ref)["first_action_at"] is not None

        deliver(srv, staff_reply(note, "#report 底座密封圈装配不良\n同批次已下架检查。"))
        wait_for("report", lambda: met(d, ref)["investigation"] is not None, 60)
        assert "密封圈" in events(srv, case(srv, ref)["id"], "report")[0][2]
        assert len(mails(srv, CUSTOMER, "relay")) == 1, "a report reached the customer"

        deliver(srv, staff_reply(note, "#status resolved\n王女士您好，新机已寄出。"))
        wait_for("result", lambda: met(d, ref)["feedback"] is not None, 60)
        assert met(d, ref)["closure"] is None, "resolved, the survey not sent yet"
        assert d.stop() == 0

        # three days on: closure (one working day) is past, the survey is
        # due on the seventh; nobody is told the closure is late
        d.start(env={"COMPLAINTD_CLOCK_OFFSET": str(3 * 86400)})
        d.wait_rounds(3)
        assert d.stop() == 0
        assert not scalar(srv, "SELECT COUNT(*) FROM escalations WHERE deadline = 'closure'"), \
            "escalated while waiting for the survey"
        d.start(env={"COMPLAINTD_CLOCK_OFFSET": str(8 * 86400)})
        wait_for("survey", lambda: mails(srv, CUSTOMER, "survey"), 60)
        wait_for("closure met", lambda: met(d, ref)["closure"] is not None, 60)
        d.wait_rounds(2)
        assert d.stop() == 0
        assert not scalar(srv, "SELECT COUNT(*) FROM escalations WHERE deadline = 'closure'")
        d.assert_clean_log()
    finally:
        d.close()


def test_survey_waits_for_b_plan(srv, bindir):
    """A C complaint resolved, then raised to B: its survey waits until a
    plan is approved, as everything else a B customer would hear."""
    d = daemon(srv, bindir, survey={"delay": "1d"})
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "电水壶漏水", "新买的电水壶底座漏水，要求换货。")
        deliver(srv, staff_reply(note, "#status resolved", sender=HANDLER))
        wait_for("resolved", lambda: case(srv, ref)["status"] == "resolved", 60)
        deliver(srv, staff_reply(note, "#severity B", sender=HANDLER))
        wait_for("raised to B", lambda: case(srv, ref)["severity"] == "B", 60)
        assert d.stop() == 0

        d.start(env={"COMPLAINTD_CLOCK_OFFSET": str(2 * 86400)})
        d.wait_rounds(3)
        assert not mails(srv, CUSTOMER, "survey"), "a survey before the B plan was approved"
        deliver(srv, staff_reply(note, "#plan 更换新机并回访", sender=HANDLER))
        wait_for("the plan to the approver", lambda: about(ref, mails(srv, APPROVER, "plan_request")), 60)
        plan = about(ref, mails(srv, APPROVER, "plan_request"))[-1]
        d.wait_rounds(2)
        assert not mails(srv, CUSTOMER, "survey"), "a survey while the plan waits"
        deliver(srv, staff_reply(plan, "#approve", sender=APPROVER))
        wait_for("the survey after the approval", lambda: mails(srv, CUSTOMER, "survey"), 60)
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_in_person_feedback_and_closure(srv, bindir):
    """A complaint taken by phone has no address: resolving it records that
    the handler gave the customer the result (feedback met, though no mail
    can go); no survey can go either, so its closure deadline is not held
    for one: past it, it is escalated until the staff close it."""
    d = daemon(srv, bindir, deadlines={"closure": "1"})
    try:
        d.start()
        r = d.ctl("add", "--channel", "phone", "--taken-by", HANDLER, "--phone",
                  "+86 139 1234 5678", "--name", "赵敏", "--text",
                  "我买的电水壶用了两天就漏水了，底座有裂纹，要求退货。")
        assert r.returncode == 0, r
        ref = r.stdout.decode().split()[0]
        wait_for("notification", lambda: about(ref, mails(srv, kind="notify")), 60)
        note = about(ref, mails(srv, kind="notify"))[0]
        deliver(srv, staff_reply(note, "#status resolved"))
        wait_for("feedback met", lambda: met(d, ref)["feedback"] is not None, 60)
        assert met(d, ref)["closure"] is None, met(d, ref)
        assert d.stop() == 0

        d.start(env={"COMPLAINTD_CLOCK_OFFSET": str(3 * 86400)})
        wait_for("closure escalated", lambda: scalar(
            srv, "SELECT COUNT(*) FROM escalations WHERE deadline = 'closure'"), 60)
        assert not scalar(srv, "SELECT COUNT(*) FROM escalations WHERE deadline = 'feedback'")
        deliver(srv, staff_reply(note, "#status closed"))
        wait_for("closure met", lambda: met(d, ref)["closure"] is not None, 60)
        assert d.stop() == 0
        assert not mails(srv, kind="survey") and not mails(srv, kind="ack"), \
            "mail to a customer without an address"
        d.assert_clean_log()
    finally:
        d.close()


def test_upgrade_keeps_old_steps(srv, bindir):
    """A database from before migration 13: complaints whose staff acted
    and answered keep their investigation and feedback met (at the first
    action and the first answer), so the upgrade escalates nothing old."""
    d = daemon(srv, bindir)
    try:
        d.start()
        ref, _, note = first_complaint(srv, d, "电水壶漏水", "新买的电水壶底座漏水，要求换货。")
        deliver(srv, staff_reply(note, "王女士您好，我们正在处理。"))
        wait_for("answer relayed", lambda: mails(srv, CUSTOMER, "relay"), 60)
        assert d.stop() == 0
        assert met(d, ref)["feedback"] is None
        execute_sql(srv, "ALTER TABLE complaints DROP KEY ix_complaints_plan, DROP COLUMN plan_at,"
                    " DROP COLUMN plan_proposed_at, DROP COLUMN plan_proposed_by,"
                    " DROP COLUMN plan_decision, DROP COLUMN plan_decided_at,"
                    " DROP COLUMN plan_decided_by, DROP COLUMN plan_reminded_at,"
                    " DROP COLUMN report_at, DROP COLUMN result_sent_at, DROP COLUMN survey_sent_at")
        execute_sql(srv, "DELETE FROM schema_migrations WHERE version >= 13")
        d.migrate()
        m = met(d, ref)
        assert m["investigation"] and m["feedback"], m
        assert m["investigation"] == json.loads(d.ctl("show", "--json", ref).stdout)[
            "times"]["first_action"], m
        d.start(env={"COMPLAINTD_CLOCK_OFFSET": str(30 * 86400)})
        wait_for("handling escalated", lambda: scalar(
            srv, "SELECT COUNT(*) FROM escalations WHERE deadline = 'handling'"), 60)
        d.wait_rounds(2)
        assert d.stop() == 0
        late = {r[0] for r in query(srv, "SELECT deadline FROM escalations")}
        assert not late & {"investigation", "feedback"}, late
        d.assert_clean_log()
    finally:
        d.close()


TESTS = [test_b_plan_needs_approval, test_plan_reminder_once, test_a_plan_from_crisis_or_leadership,
         test_deadlines_as_policy_means, test_in_person_feedback_and_closure,
         test_survey_waits_for_b_plan,
         test_upgrade_keeps_old_steps]


def main():
    return run_tests("paths", TESTS, sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
