#!/usr/bin/python3
"""`complaintctl show` and `complaintctl calendar` against real servers.

show: complaints made by the real daemon from sample mails appended over
IMAP, then the text form (every field, deadlines, messages, history, lines
that fit 80 columns, long or hostile text cut and defused) and the JSON
form (keys, the "received" event, deadlines as the database holds them and
their states, now and with the clock moved on), a parent's reference, an
unknown reference. calendar: a small calendar file with a holiday and a
make-up Saturday, given with --calendar and through the configuration; a
bad file; usage errors.

usage: test_ctl.py BINDIR [TEST ...]     (BINDIR holds complaintd, complaintctl)
"""

import base64
import datetime
import email.utils
import json
import os
import re
import subprocess
import sys
import tempfile
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ctl_env import columns, ok, run, utc  # noqa: E402
from daemon_env import (COMPANY_FROM, ROOT, Daemon, acks, execute_sql,  # noqa: E402
                        parse_mail, query, run_tests, scalar, wait_for)

MAIL = os.path.join(ROOT, "tests", "data", "mail")
DEADLINES = ["ack", "plan", "investigation", "handling", "feedback", "closure"]
STATES = {"met", "overdue", "pending", "none"}
TIME_RE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"

# A week of 2030 in Shanghai: Monday 3 June a holiday, Saturday 8 June a
# make-up working day.
CALENDAR = """# test calendar
timezone = Asia/Shanghai
weekend = sat sun
hours = 09:00-18:00
2030-06-03 holiday 端午节
2030-06-08 workday 端午节调休
"""
# the same with a date that does not exist on line 3
BAD_CALENDAR = """timezone = Asia/Shanghai
weekend = sat sun
2030-02-30 holiday nonsense
"""


def mail(name):
    with open(os.path.join(MAIL, name), "rb") as f:
        return f.read()


def long_subject_mail():
    """A complaint whose subject is far wider than a terminal and carries
    an escape sequence that would turn the terminal red."""
    subject = "电水壶漏水" * 12 + " \x1b[31mred\x1b[0m"
    word = "=?utf-8?b?" + base64.b64encode(subject.encode()).decode() + "?="
    return (f"From: Long Subject <long.subject@mail.example>\r\n"
            f"To: {COMPANY_FROM}\r\n"
            f"Subject: {word}\r\n"
            "Date: Mon, 23 Nov 2026 10:00:00 +0800\r\n"
            "Message-ID: <long.subject.1@mail.example>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n"
            "烧水时底座漏水，差点触电。\r\n").encode()


def sender(raw):
    return email.utils.parseaddr(parse_mail(raw)["From"])[1]


def parse_time(s):
    """A JSON time (local, with offset) as unix seconds."""
    return int(datetime.datetime.fromisoformat(s).timestamp())


# ---------------------------------------------------------------------------

def test_show(srv, bindir):
    """Two sample complaints and a long one through the daemon, then show."""
    names = ["zh_quality_injury.eml", "en_quality_blender.eml"]
    raws = [mail(n) for n in names] + [long_subject_mail()]
    srv.dovecot.append_many("alice", "INBOX", raws)
    d = Daemon(srv, bindir)
    try:
        d.migrate()
        d.start()
        wait_for("3 complaints acknowledged", lambda: scalar(
            srv, "SELECT COUNT(*) FROM complaints WHERE acknowledged_at IS NOT NULL") == 3)
        wait_for("3 acknowledgements", lambda: len(acks(srv)) >= 3, 60)
        assert d.stop() == 0
        d.assert_clean_log()
        rows = query(srv, "SELECT c.id, c.ref, c.customer_addr, c.severity, c.due_ack,"
                     " c.due_plan, c.due_investigation, c.due_handling, c.due_feedback,"
                     " c.due_closure FROM complaints c ORDER BY c.id")
        by_addr = {r[2]: r for r in rows}

        # ---- the injury complaint, severity A: text
        injury = by_addr[sender(raws[0])]
        assert injury[2] == "customer01@mail.example.cn", injury
        cid, ref = injury[0], injury[1]
        assert injury[3] == "A", injury
        text = ok(bindir, "show", ref, conf=d.conf)
        print(text, end="")
        for line in text.splitlines():
            assert columns(line) <= 80, f"{columns(line)} columns: {line!r}"
            assert line == line.rstrip(), f"trailing blanks: {line!r}"
        fields = dict(re.findall(r"^(\w[\w ]*?)\s{2,}(.*)$", text.split("\ndeadlines\n")[0],
                                 re.M))
        assert fields["reference"] == ref, fields
        assert fields["status"] == "acknowledged", fields
        assert fields["category"] == "quality" and fields["severity"] == "A", fields
        assert fields["channel"] == "email", fields
        assert "customer01@mail.example.cn" in fields["customer"], fields
        assert fields["parent"] == "-", fields
        assert re.fullmatch(TIME_RE, fields["created"]), fields
        assert re.fullmatch(TIME_RE, fields["acknowledged"]), fields
        assert fields["closed"] == "-", fields
        for name in DEADLINES:
            assert re.search(rf"^  {name}\s+({TIME_RE}|-)\s+(met|overdue|pending|none)",
                             text, re.M), (name, text)
        assert re.search(rf"^  ack\s+{TIME_RE}\s+met\s+{TIME_RE}$", text, re.M), text
        assert re.search(rf"^  investigation\s+{TIME_RE}\s+pending$", text, re.M), text
        assert "\nmessages (2)\n" in text, text
        # long addresses and subjects are cut to fit, so match their start
        assert re.search(rf"^  {TIME_RE}\s+in\s+email\s+customer01@", text, re.M), text
        assert re.search(rf"^  {TIME_RE}\s+out\s+ack \(sent\)\s+→ customer01@", text, re.M), text
        assert re.search(rf"^  {TIME_RE}\s+customer01@\S*\s+received\s+category=quality",
                         text, re.M), text

        # ---- the same as JSON, checked against the database
        doc = json.loads(ok(bindir, "--json", "show", ref, conf=d.conf))
        for key in ("ref", "status", "category", "severity", "channel", "route",
                    "department", "assignee", "customer", "subject", "lang", "times",
                    "parent", "deadlines", "messages", "history"):
            assert key in doc, (key, sorted(doc))
        assert doc["ref"] == ref and doc["status"] == "acknowledged", doc
        assert doc["severity"] == "A" and doc["category"] == "quality", doc
        assert doc["customer"]["addr"] == "customer01@mail.example.cn", doc["customer"]
        assert doc["customer"]["name"], doc["customer"]
        assert doc["parent"] is None, doc["parent"]
        assert set(doc["times"]) == {"created", "acknowledged", "first_action",
                                     "first_response", "resolved", "closed", "reopened",
                                     "plan"}
        assert doc["plan"] == {"by": None, "decision": None}, doc["plan"]
        assert doc["times"]["closed"] is None and doc["times"]["created"], doc["times"]
        assert [x["name"] for x in doc["deadlines"]] == DEADLINES, doc["deadlines"]
        due = dict(zip(DEADLINES, (utc(t) for t in injury[4:10])))
        for x in doc["deadlines"]:
            assert x["state"] in STATES, x
            want = due[x["name"]]
            got = parse_time(x["due"]) if x["due"] else None
            assert got == want, (x, want)
        states = {x["name"]: x["state"] for x in doc["deadlines"]}
        assert states["ack"] == "met", states
        assert states["plan"] == "pending", states      # severity A has a plan deadline
        assert states["investigation"] == "pending", states
        ack = doc["deadlines"][0]
        acked = utc(scalar(srv, "SELECT acknowledged_at FROM complaints WHERE id = %s", (cid,)))
        assert parse_time(ack["met_at"]) == acked, (ack, acked)
        dirs = [(m["direction"], m["kind"]) for m in doc["messages"]]
        assert dirs == [("in", "email"), ("out", "ack (sent)")], doc["messages"]
        assert doc["messages"][1]["to"] == "customer01@mail.example.cn", doc["messages"]
        kinds = [h["kind"] for h in doc["history"]]
        assert kinds[0] == "received", doc["history"]
        first = doc["history"][0]
        assert first["actor"] == "customer01@mail.example.cn", first
        assert "severity=A" in first["detail"], first
        ats = [parse_time(h["at"]) for h in doc["history"]]
        assert ats == sorted(ats), "history not oldest first"

        # ---- sixty days on, nothing done: every open step is overdue
        later = json.loads(ok(bindir, "--json", "show", ref, conf=d.conf,
                              env={"COMPLAINTD_CLOCK_OFFSET": str(60 * 86400)}))
        states = {x["name"]: x["state"] for x in later["deadlines"]}
        assert states == {"ack": "met", "plan": "overdue", "investigation": "overdue",
                          "handling": "overdue", "feedback": "overdue",
                          "closure": "overdue"}, states

        # ---- severity C: no plan deadline; then give it a parent
        blender = by_addr[sender(raws[1])]
        assert blender[3] == "C", blender
        execute_sql(srv, "UPDATE complaints SET parent_id = %s WHERE id = %s",
                    (cid, blender[0]))
        doc = json.loads(ok(bindir, "show", "--json", blender[1], conf=d.conf))
        assert doc["parent"] == ref, doc["parent"]
        states = {x["name"]: x["state"] for x in doc["deadlines"]}
        assert states["plan"] == "none" and doc["deadlines"][1]["due"] is None, doc["deadlines"]
        text = ok(bindir, "show", blender[1], conf=d.conf)
        assert re.search(rf"^parent\s+{re.escape(ref)}$", text, re.M), text
        assert re.search(r"^  plan\s+-\s+none$", text, re.M), text

        # ---- a subject wider than the terminal, with an escape sequence
        long_ref = by_addr["long.subject@mail.example"][1]
        text = ok(bindir, "show", long_ref, conf=d.conf)
        print(text, end="")
        assert "\x1b" not in text, "an escape sequence reached the terminal"
        subject = [line for line in text.splitlines() if line.startswith("subject")]
        assert subject and subject[0].endswith("…"), subject
        assert all(columns(line) <= 80 for line in text.splitlines()), text
        doc = json.loads(ok(bindir, "--json", "show", long_ref, conf=d.conf))
        assert doc["subject"].startswith("电水壶漏水" * 12), doc["subject"]
    finally:
        d.close()


def test_show_errors(srv, bindir):
    """An unknown reference exits 1 and says so; a missing one is a usage error."""
    d = Daemon(srv, bindir, mailboxes=[])
    try:
        d.migrate()
        rc, out, err = run(bindir, "show", "CMP-20260101-9999", conf=d.conf)
        assert rc == 1 and out == "", (rc, out, err)
        assert "complaintctl: no complaint CMP-20260101-9999" in err, err
        rc, out, err = run(bindir, "--json", "show", "NOPE", conf=d.conf)
        assert rc == 1 and out == "" and "no complaint NOPE" in err, (rc, out, err)
        rc, _, err = run(bindir, "show", conf=d.conf)
        assert rc == 2 and "show needs one complaint reference" in err, (rc, err)
        rc, _, err = run(bindir, "show", "A", "B", conf=d.conf)
        assert rc == 2, (rc, err)
    finally:
        d.close()


def test_calendar(srv, bindir):
    """The calendar commands with a file of our own, by --calendar and
    through the configuration; a bad file; usage errors."""
    tmp = tempfile.mkdtemp(prefix="ctd-cal-")
    cal = os.path.join(tmp, "calendar")
    bad = os.path.join(tmp, "bad-calendar")
    with open(cal, "w") as f:
        f.write(CALENDAR)
    with open(bad, "w") as f:
        f.write(BAD_CALENDAR)
    nowhere = os.path.join(tmp, "no-such.conf")
    d = Daemon(srv, bindir, mailboxes=[], extra={"deadlines": {"calendar_file": cal}})
    try:
        # check, without any configuration file
        out = ok(bindir, "calendar", "--calendar", cal, "check", conf=nowhere)
        assert out == f"{cal}: ok, 2 dates listed, time zone Asia/Shanghai, " \
                      "hours 09:00-18:00\n", out
        assert ok(bindir, "calendar", "check", cal, conf=nowhere) == out

        # the week as JSON: Mon holiday, Sat make-up, Sun weekend
        doc = json.loads(ok(bindir, "--json", "calendar", "--calendar", cal,
                            "2030-06-03", "2030-06-09", conf=nowhere))
        kinds = [(x["date"], x["kind"]) for x in doc["days"]]
        assert kinds == [("2030-06-03", "holiday"), ("2030-06-04", "workday"),
                         ("2030-06-05", "workday"), ("2030-06-06", "workday"),
                         ("2030-06-07", "workday"), ("2030-06-08", "makeup"),
                         ("2030-06-09", "weekend")], kinds
        assert doc["days"][0]["note"] == "端午节" and doc["days"][1]["note"] is None, doc
        assert doc["timezone"] == "Asia/Shanghai", doc
        assert (doc["working_days"], doc["holidays"], doc["weekend_days"],
                doc["makeup_days"]) == (5, 1, 1, 1), doc

        # FROM alone: two weeks; no dates: two weeks from today in the zone
        doc = json.loads(ok(bindir, "--json", "calendar", "2030-06-03",
                            "--calendar", cal, conf=nowhere))
        assert doc["from"] == "2030-06-03" and doc["to"] == "2030-06-16", doc
        assert len(doc["days"]) == 14 and doc["working_days"] == 10, doc
        doc = json.loads(ok(bindir, "--json", "calendar", "--calendar=" + cal, conf=nowhere))
        today = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
        assert doc["from"] == today.isoformat(), (doc["from"], today)
        assert doc["to"] == (today + datetime.timedelta(days=13)).isoformat(), doc
        assert len(doc["days"]) == 14, doc

        # the text form, through the configuration's calendar_file
        out = ok(bindir, "calendar", "2030-06-03", "2030-06-09", conf=d.conf)
        lines = out.splitlines()
        assert lines[0] == "2030-06-03 Mon  holiday  端午节", lines
        assert lines[5] == "2030-06-08 Sat  makeup   端午节调休", lines
        assert lines[-1] == "7 days: 5 working, 1 holidays, 1 weekend days, " \
                            "1 make-up working days", lines
        out = ok(bindir, "calendar", "check", conf=d.conf)
        assert out.startswith(f"{cal}: ok, 2 dates listed"), out

        # deadlines of a complaint received Friday 31 May 2030, 17:00 Shanghai:
        # Mon a holiday, so Tue, Wed, Thu; handling: ... Fri, Sat (make-up)
        out = ok(bindir, "calendar", "deadlines", "2030-05-31 17:00", conf=d.conf)
        assert "received                        2030-05-31 Fri 17:00 +08:00" in out, out
        assert re.search(r"^investigation \(3 working days\)\s+2030-06-06 Thu 18:00 \+08:00$",
                         out, re.M), out
        assert re.search(r"^handling \(5 working days\)\s+2030-06-08 Sat 18:00 \+08:00$",
                         out, re.M), out
        # unquoted date and time read as one
        assert ok(bindir, "calendar", "--calendar", cal, "deadlines", "2030-05-31",
                  "17:00", conf=nowhere) == out

        # no configuration and no file: the built-in calendar, with a note
        rc, out, err = run(bindir, "--json", "calendar", "2030-06-03", "2030-06-09",
                           conf=nowhere)
        assert rc == 0 and json.loads(out)["working_days"] == 5, (rc, out, err)
        assert "built-in calendar" in err, err

        # a bad file: exit 1, every problem as FILE:LINE
        rc, out, err = run(bindir, "calendar", "check", bad, conf=nowhere)
        assert rc == 1 and f"{bad}:3:" in out, (rc, out, err)
        rc, out, err = run(bindir, "calendar", "--calendar", bad, "2030-06-03",
                           conf=nowhere)
        assert rc == 1 and f"{bad}:3:" in err and out == "", (rc, out, err)
        rc, out, err = run(bindir, "calendar", "--calendar", os.path.join(tmp, "absent"),
                           "2030-06-03", conf=nowhere)
        assert rc == 1 and "absent" in err, (rc, out, err)

        # usage errors: exit 2 with a message that says what is wrong
        for args, says in [
                (["calendar", "sometime"], "unknown command 'sometime'"),
                (["calendar", "2030-02-30"], "bad date '2030-02-30'"),
                (["calendar", "2030-06-09", "2030-06-03"], "comes after"),
                (["calendar", "2030-01-01", "2032-06-01"], "at most"),
                (["calendar", "2030-01-01", "2030-01-02", "2030-01-03"], "two dates at most"),
                (["calendar", "deadlines", "tomorrow"], "bad time 'tomorrow'"),
                (["calendar", "deadlines", "2030-05-31 25:00"], "bad time"),
                (["calendar", "--calendar"], "--calendar needs a file"),
                (["calendar", "--calendar", cal, "--calendar", cal], "given twice"),
                (["calendar", "--frobnicate"], "unknown option '--frobnicate'"),
                (["--json", "calendar", "check"], "no --json form"),
                (["calendar", "check", cal, "--calendar", cal], "takes one file")]:
            rc, out, err = run(bindir, *args, conf=nowhere)
            assert rc == 2 and says in err and out == "", (args, rc, out, err)
            assert "calendar" in err.split("commands:")[-1], (args, err)
    finally:
        d.close()
        subprocess.run(["rm", "-rf", tmp])


# every command line complaintctl knows, as the administrator types it
SUBCOMMANDS = ["db", "db migrate", "db status", "parse", "rules", "rules check", "rules test",
               "rules eval", "rules learn", "rules corrections", "rules reclassify", "show",
               "list", "search", "export", "add", "forget", "report", "calendar",
               "calendar check", "calendar deadlines"]


def makefile_version():
    with open(os.path.join(ROOT, "Makefile")) as f:
        return re.search(r"^VERSION\s*=\s*(\S+)", f.read(), re.M).group(1)


def test_help_and_version(srv, bindir):
    """Every subcommand answers --help (and -h) with its usage on standard
    output and exit 0, whatever else is on the line and without reading
    the configuration; `help COMMAND` says the same; the commands the
    overall usage lists are all covered here. --version of both programs
    prints the Makefile's version. A --help after "--" is an operand."""
    missing = "/nonexistent/complaintd.conf"  # help needs no configuration
    rc, out, err = run(bindir, "--help")
    assert rc == 0 and out.startswith("usage: complaintctl") and not err, (rc, out, err)
    listed = set(re.findall(r"^  ([a-z]+)\b", out, re.M)) - {"help"}
    assert listed <= {c.split()[0] for c in SUBCOMMANDS}, listed
    for cmd in SUBCOMMANDS:
        for flag, extra in (("--help", []), ("-h", []), ("--help", ["--json", "--bogus", "x"])):
            args = cmd.split() + extra + [flag]
            rc, out, err = run(bindir, *args, conf=missing)
            assert rc == 0, (args, rc, out, err)
            assert not err, (args, err)
            first = out.splitlines()[0] if out else ""
            assert first.startswith("usage: complaintctl") and \
                f" {cmd.split()[0]} " in first, (args, out)
        rc, same, _ = run(bindir, "help", cmd.split()[0])
        assert rc == 0 and same == run(bindir, cmd.split()[0], "--help")[1], (cmd, same)
    # what a command's help says beyond its forms: list's filters, export's output
    assert "--overdue" in ok(bindir, "list", "--help") and \
        "--bom" not in ok(bindir, "list", "--help")
    assert "--bom" in ok(bindir, "export", "--help")
    assert "--channel" in ok(bindir, "list", "--help")
    assert "--taken-by STAFF" in ok(bindir, "add", "--help")
    assert "--fail-under" in ok(bindir, "rules", "eval", "--help")
    assert "--lang" in ok(bindir, "report", "--help")
    rc, out, err = run(bindir, "help", "frobnicate")
    assert rc == 2 and "frobnicate" in err and not out, (rc, out, err)
    rc, out, err = run(bindir, "report", "--bogus", conf=missing)
    assert rc == 2 and "usage: complaintctl" in err, (rc, out, err)

    version = makefile_version()
    assert ok(bindir, "--version") == f"complaintctl {version}\n"
    for args in (["--version"], ["--help"]):
        r = subprocess.run([os.path.join(bindir, "complaintd")] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        assert r.returncode == 0 and not r.stderr, (args, r)
        if args == ["--version"]:
            assert r.stdout.decode() == f"complaintd {version}\n", r.stdout
        else:
            assert r.stdout.decode().startswith("usage: complaintd"), r.stdout

    # "search -- --help" looks for the text "--help"
    d = Daemon(srv, bindir, mailboxes=[])
    try:
        d.migrate()
        rc, out, err = run(bindir, "search", "--", "--help", conf=d.conf)
        assert rc == 0 and "usage" not in out and "0 complaints" in out, (rc, out, err)
    finally:
        d.close()


TESTS = [test_show, test_show_errors, test_calendar, test_help_and_version]


def main():
    return run_tests("ctl", TESTS, sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
