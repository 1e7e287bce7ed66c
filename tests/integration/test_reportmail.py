#!/usr/bin/python3
"""Scheduled report mails against real servers: the daily, weekly and
monthly reports of the periods that ended go out once each, from two
daemons sharing one database and across restarts, as text with an HTML
alternative holding the SVG charts. The daemons' clock is moved with
COMPLAINTD_CLOCK_OFFSET onto a Monday morning in Shanghai.

usage: test_reportmail.py BINDIR [TEST ...]"""

import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from daemon_env import (Daemon, execute_sql, msgid, parse_mail, run_tests, scalar,  # noqa: E402
                        wait_for)

CST = datetime.timezone(datetime.timedelta(hours=8))
CALENDAR = "timezone = Asia/Shanghai\nweekend = sat sun\nhours = 09:00-18:00\n"
READERS = {"daily": "daily@staff.shop.example", "weekly": "weekly@staff.shop.example",
           "monthly": "monthly@staff.shop.example"}


def daemon(srv, bindir):
    d = Daemon(srv, bindir, mailboxes=[], extra={
        "reports": dict(READERS, hour="8"),
        "escalation": {"check_interval": "1s"},
        "deadlines": {"calendar_file": "calendar"},
    })
    with open(os.path.join(d.dir, "calendar"), "w") as f:
        f.write(CALENDAR)
    return d


def offset_to(when):
    return {"COMPLAINTD_CLOCK_OFFSET": str(int(when.timestamp() - time.time()))}


def reports(srv, rcpt=None):
    """Report mails at the sink (their Message-IDs start with "report.")."""
    out = []
    for m in srv.sink.messages():
        msg = parse_mail(m["data"])
        if msgid(msg["Message-ID"]).startswith("report.") and \
                (rcpt is None or rcpt in m["rcpt_tos"]):
            msg.envelope = m
            out.append(msg)
    return out


def test_once_per_period(srv, bindir):
    """Monday 2026-12-07 09:00: yesterday's, last week's and November's
    reports, each once although two daemons run; a restart sends nothing
    again; Tuesday brings one more daily report only."""
    a, b = daemon(srv, bindir), daemon(srv, bindir)
    try:
        a.migrate()
        execute_sql(srv, "INSERT INTO complaints (ref, channel, status, category, severity, "
                    "customer_addr, subject, created_at, updated_at) VALUES ('CMP-20261206-0001', "
                    "'email', 'new', 'quality', 'B', 'li@customer.example', '<b>水壶</b> & 漏水', "
                    "'2026-12-06 02:00:00', '2026-12-06 02:00:00')")
        monday = offset_to(datetime.datetime(2026, 12, 7, 9, 0, tzinfo=CST))
        a.start(env=monday)
        b.start(env=monday)
        wait_for("three reports", lambda: len(reports(srv)) >= 3, 60)
        a.wait_rounds(2)  # both daemons' schedulers have looked again
        b.wait_rounds(2)
        assert a.stop() == 0 and b.stop() == 0
        got = {k: reports(srv, r) for k, r in READERS.items()}
        assert [len(v) for v in got.values()] == [1, 1, 1], {k: len(v) for k, v in got.items()}
        assert scalar(srv, "SELECT COUNT(*) FROM report_runs") == 3
        daily = got["daily"][0]
        html = daily.get_body(preferencelist=("html",))
        text = daily.get_body(preferencelist=("plain",)).get_content()
        assert html is not None and "<svg" in html.get_content(), "no HTML part with charts"
        assert "<b>水壶</b>" not in html.get_content(), "customer text not escaped"
        assert daily["Auto-Submitted"] == "auto-generated"
        assert "2026-12-06" in daily["Subject"] or "2026-12-06" in text, daily["Subject"]

        a.start(env=monday)
        a.wait_rounds(2)
        assert a.stop() == 0
        assert len(reports(srv)) == 3, "a restart sent a report again"

        tuesday = offset_to(datetime.datetime(2026, 12, 8, 9, 0, tzinfo=CST))
        a.start(env=tuesday)
        wait_for("Tuesday's daily report", lambda: len(reports(srv, READERS["daily"])) == 2, 60)
        a.wait_rounds(2)
        assert a.stop() == 0
        assert len(reports(srv, READERS["weekly"])) == 1
        assert len(reports(srv, READERS["monthly"])) == 1
        a.assert_clean_log()
        b.assert_clean_log()
    finally:
        a.close()
        b.close()


def test_not_before_the_hour(srv, bindir):
    """At 07:30 on Monday 2026-12-07 yesterday's and last week's reports
    wait for [reports] hour (8); November's, due since 08:00 on the 1st,
    goes out."""
    d = daemon(srv, bindir)
    try:
        d.migrate()
        d.start(env=offset_to(datetime.datetime(2026, 12, 7, 7, 30, tzinfo=CST)))
        wait_for("November's report", lambda: reports(srv, READERS["monthly"]), 60)
        d.wait_rounds(2)
        assert d.stop() == 0
        assert not reports(srv, READERS["daily"]) and not reports(srv, READERS["weekly"])
        d.assert_clean_log()
    finally:
        d.close()


TESTS = [test_once_per_period, test_not_before_the_hour]


def main():
    return run_tests("reportmail", TESTS, sys.argv[1:], servers_kw={"imap": False},
                     reset_kw={"folders": ()})


if __name__ == "__main__":
    sys.exit(main())
