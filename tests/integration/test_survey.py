#!/usr/bin/python3
"""Closing the loop against real servers: the resolution mail, the
satisfaction survey a week later (the daemon's clock moved with
COMPLAINTD_CLOCK_OFFSET), answered by the signed link (opened, then
confirmed) or by replying with a digit; a low rating or "not satisfied"
reopens the complaint and tells the supervisor; no answer closes it.

usage: test_survey.py BINDIR [TEST ...]"""

import http.client
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import servers  # noqa: E402
from daemon_env import (Daemon, acks, query, run_tests, scalar, wait_for,  # noqa: E402
                        wait_settled, write_secret)
from test_staff import (DEPT, STAFF_DOMAIN, SUPERVISOR, assert_chinese, case,  # noqa: E402
                        customer_mail, deliver, events, staff_reply, text_of)

DAY = 86400


def daemon(srv, bindir):
    d = Daemon(srv, bindir, web=True, extra={
        "staff": {"domains": STAFF_DOMAIN, "secret_file": "staff.key"},
        "routes": dict(DEPT),
        "escalation": {"supervisor": SUPERVISOR, "check_interval": "1s"},
        "survey": {"delay": "7d", "timeout": "14d", "threshold": "2"},
    })
    # the links in survey mails point at the listener itself
    with open(d.conf) as f:
        conf = f.read()
    conf = conf.replace("[web]\n", f"[web]\nbase_url = {d.url}\n", 1)
    with open(d.conf, "w") as f:
        f.write(conf)
    write_secret(os.path.join(d.dir, "staff.key"), "survey-tests-key-0123456789abcdef")
    d.migrate()
    return d


def resolved_complaint(srv, d, subject="电水壶漏水", body="底座漏水，要求换货。",
                       sender="wang.fang@customer.example"):
    """A complaint the department resolves by mail; returns its ref."""
    before = len(acks(srv, "notify"))
    deliver(srv, customer_mail(subject, body, sender=sender)[0])
    wait_for("notification", lambda: len(acks(srv, "notify")) > before, 60)
    note = acks(srv, "notify")[-1]
    ref = re.search(r"\[(CMP-\d{8}-\d+)\]", note["Subject"]).group(1)
    deliver(srv, staff_reply(note, "#status resolved\n已为您更换新品，问题已解决。"))
    wait_for("resolved", lambda: case(srv, ref)["status"] == "resolved", 60)
    return ref


def survey_for(srv, ref):
    got = [m for m in acks(srv, "survey") if ref in m["Subject"]]
    return got[0] if got else None


def get(d, path):
    c = http.client.HTTPConnection(servers.LOOPBACK, d.web_port, timeout=30)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


def post_raw(d, body):
    c = http.client.HTTPConnection(servers.LOOPBACK, d.web_port, timeout=30)
    try:
        c.request("POST", "/survey", body.encode(),
                  {"Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


def post(d, fields):
    return post_raw(d, urllib.parse.urlencode(fields))


def says(page, zh, en):
    """The page says zh or its English en (whichever language it is in)."""
    return zh in page or en in page


def restart_at(d, offset):
    assert d.stop() == 0
    d.start(env={"COMPLAINTD_CLOCK_OFFSET": str(offset)})
    d.wait_web()


def test_resolution_and_survey_by_link(srv, bindir):
    """Resolved: the customer gets the resolution mail at once and the
    survey a week later with five signed links. Opening a link records
    nothing; confirming rating 2 does, reopens the complaint for review and
    tells the supervisor; a tampered link is refused; a second answer
    changes nothing."""
    d = daemon(srv, bindir)
    try:
        d.start()
        d.wait_web()
        ref = resolved_complaint(srv, d)
        wait_for("resolution mail", lambda: acks(srv, "resolution"), 30)
        assert ref in acks(srv, "resolution")[0]["Subject"]
        d.wait_rounds(2)
        wait_settled(srv)
        assert not acks(srv, "survey"), "the survey went out before its delay"
        restart_at(d, 8 * DAY)
        wait_for("survey", lambda: survey_for(srv, ref), 60)
        text = text_of(survey_for(srv, ref))
        links = re.findall(r"(http://\S+/survey\?s=\d+&r=(\d)&t=[0-9a-f]+)", text)
        assert [r for _, r in links] == ["1", "2", "3", "4", "5"], text
        link = urllib.parse.urlparse(links[1][0])
        q = dict(urllib.parse.parse_qsl(link.query))
        status, page = get(d, f"/survey?{link.query}")
        assert status == 200 and 'value="2" checked' in page and "<form" in page, page
        assert ref in page, "the page does not name the complaint"
        assert scalar(srv, "SELECT COUNT(*) FROM surveys WHERE answered_at IS NOT NULL") == 0, \
            "opening the link recorded an answer"
        bad = dict(q, t=q["t"][:-1] + ("0" if q["t"][-1] != "0" else "1"))
        assert get(d, "/survey?" + urllib.parse.urlencode(bad))[0] == 404
        assert post(d, dict(bad, r="5"))[0] == 404
        # an answer that cannot be taken: the question again, saying what
        # is wrong, the comment given back (escaped) to edit
        status, page = post(d, dict(q, r="9", comment="划痕 <b>"))
        assert status == 400 and "<form" in page and says(page, "1 到 5", "from 1 to 5"), page
        assert "划痕 &lt;b&gt;</textarea>" in page, page
        assert not says(page, "链接无效", "link is not valid"), page
        status, page = post(d, dict(q, r="2", comment="长" * 2001))
        assert status == 400 and "<form" in page and says(page, "2000 字", "2,000"), page
        for bad in ("%FF", "%zz", "%"):
            st, page = post_raw(d, urllib.parse.urlencode(dict(q, r="2")) + "&comment=" + bad)
            assert st == 400 and says(page, "无法读取", "could not be read"), (bad, page)
            assert not says(page, "链接无效", "link is not valid"), page
        assert scalar(srv, "SELECT COUNT(*) FROM surveys WHERE answered_at IS NOT NULL") == 0
        status, page = post(d, dict(q, r="2", comment="换的新品也有划痕 <b>&</b>"))
        assert status == 200 and 'id="done"' in page, page
        rating, comment, by = query(srv, "SELECT rating, comment, answered_by FROM surveys")[0]
        assert (rating, by) == (2, "link") and comment == "换的新品也有划痕 <b>&</b>", comment
        c = case(srv, ref)
        assert c["status"] == "reopened", c
        wait_for("review mail to the supervisor", lambda: acks(srv, "review"), 30)
        review = acks(srv, "review")[0]
        assert review.envelope["rcpt_tos"] == [SUPERVISOR]
        assert "换的新品也有划痕" in text_of(review)
        # the reason in the staff's language, like the rest of the mail
        assert "满意度评分为 2 分" in text_of(review), text_of(review)
        assert_chinese(review)
        status, page = post(d, dict(q, r="5"))
        assert status == 200 and rating == scalar(srv, "SELECT rating FROM surveys"), page
        assert case(srv, ref)["status"] == "reopened", "a second answer changed the record"
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_survey_by_reply_and_timeout(srv, bindir):
    """Replying "5 ..." to the survey closes the complaint with rating 5;
    replying "还是没有解决" reopens it; a survey left unanswered for the
    timeout closes its complaint."""
    d = daemon(srv, bindir)
    try:
        d.start()
        d.wait_web()
        happy = resolved_complaint(srv, d, sender="happy@customer.example")
        sad = resolved_complaint(srv, d, "洗衣机异响", "脱水时声音很大。", sender="sad@customer.example")
        quiet = resolved_complaint(srv, d, "快递延误", "快递晚了一周。", sender="quiet@customer.example")
        restart_at(d, 8 * DAY)
        for ref in (happy, sad, quiet):
            wait_for(f"survey {ref}", lambda: survey_for(srv, ref), 60)

        def answer(ref, sender, text):
            s = survey_for(srv, ref)
            deliver(srv, customer_mail(f"回复: {s['Subject']}", text, sender=sender,
                                       extra=f"In-Reply-To: {s['Message-ID']}\r\n")[0])

        answer(happy, "happy@customer.example", "５ 非常满意，谢谢！")
        answer(sad, "sad@customer.example", "还是没有解决，机器还是响。")
        wait_for("closed", lambda: case(srv, happy)["status"] == "closed", 60)
        wait_for("reopened", lambda: case(srv, sad)["status"] == "reopened", 60)
        assert query(srv, "SELECT rating, answered_by FROM surveys s JOIN complaints c "
                     "ON c.id = s.complaint_id WHERE c.ref = %s", (happy,))[0] == (5, "mail")
        assert events(srv, case(srv, sad)["id"], "reopened")
        assert case(srv, quiet)["status"] == "resolved"
        restart_at(d, 8 * DAY + 15 * DAY)
        wait_for("closed after the survey timed out",
                 lambda: case(srv, quiet)["status"] == "closed", 60)
        assert "not answered" in events(srv, case(srv, quiet)["id"], "closed")[0][2]
        # one survey per resolution, whatever the restarts
        assert scalar(srv, "SELECT COUNT(*) FROM surveys") == 3
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


TESTS = [test_resolution_and_survey_by_link, test_survey_by_reply_and_timeout]


def main():
    return run_tests("survey", TESTS, sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
