#!/usr/bin/python3
"""`complaintctl report` against a real MariaDB.

A fixture of eleven complaints (C1..C11), their rule hits and survey answers
is written with SQL: every category, severity and channel, three departments
and none, created on both sides of a day boundary and of a month end
(2026-11-30 / 2026-12-01), late at night, on a weekend and weeks before;
acknowledged, answered, resolved and closed at chosen times, some in time
and some late, some never. Every figure of the report for the day
2026-12-01, the week 2026-11-30..12-06 and the month of November 2026 is
worked out by hand below (the arithmetic is in the comments) and compared
with the JSON report. Then the text form (80 columns, English and Chinese),
CSV read back with the csv module, the HTML page parsed (no customer text
unescaped, nothing external) and rendered by headless Chromium to a PNG,
the default period (yesterday), --output, the satisfaction figure before
the surveys' migration, and usage errors.

The calendar is Shanghai's (UTC+8, no summer time), Monday to Friday
09:00-18:00, so working hours are easy to count by hand.

usage: test_report.py BINDIR [TEST ...]     (BINDIR holds complaintctl)
Set REPORT_PNG_DIR to keep the screenshots there.
"""

import csv
import datetime
import html.parser
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ctl_env  # noqa: E402
from ctl_env import columns  # noqa: E402
from daemon_env import run_tests  # noqa: E402

CALENDAR = """timezone = Asia/Shanghai
weekend = sat sun
hours = 09:00-18:00
"""

# the channels staff take complaints on (complaintctl add): none here
NO_TAKEN = {"phone": 0, "counter": 0, "wechat": 0, "letter": 0, "other": 0}
QUALITY = "quality@staff.example"
SERVICE = "service@staff.example"
LEGAL = "legal@staff.example"
ALICE = "alice@example.com"
# customer text that must never become markup, and a rule name that holds
# CSV's special characters; a rule a spreadsheet would run as a formula
HOSTILE = "<script>alert(1)</script>&x@evil.example"
HOSTILE_RULE = '<script>alert("r")</script>, & co'
FORMULA_RULE = "=1+2"
HOSTILE_SUBJECT = '<script>alert("s")</script> & more'
# a product (case fact) with markup, CSV's comma and quotes
HOSTILE_PRODUCT = '<i>Mixer</i>, "M1"'

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def L(s):
    """A Shanghai wall-clock time "2026-12-01 14:00[:05]" as naive UTC, the
    way the schema stores it."""
    fmt = "%Y-%m-%d %H:%M:%S" if s.count(":") == 2 else "%Y-%m-%d %H:%M"
    t = datetime.datetime.strptime(s, fmt).replace(tzinfo=SHANGHAI)
    return t.astimezone(datetime.timezone.utc).replace(tzinfo=None)


# The fixture, Shanghai times. created, category, severity, department,
# channel, customer, then the stamps and deadlines set (others NULL).
FIXTURE = {
    # Friday before the week, November; answered across the weekend
    "C1": dict(created="2026-11-27 17:00", category="quality", severity="A",
               department=QUALITY, channel="email", customer=ALICE,
               acknowledged="2026-11-27 17:01", first_action="2026-11-27 18:30",
               first_response="2026-11-30 10:00", resolved="2026-12-01 11:00",
               due_ack="2026-11-28 17:00", due_plan="2026-11-27 21:00",
               due_handling="2026-12-04 18:00"),
    # Monday, first day of the week, still November
    "C2": dict(created="2026-11-30 09:30", category="service", severity="C",
               department=SERVICE, channel="web", customer="bob@example.com",
               acknowledged="2026-11-30 09:30:05", first_action="2026-11-30 10:00",
               first_response="2026-11-30 11:00",
               due_ack="2026-12-01 09:30", due_handling="2026-12-07 18:00",
               due_feedback="2026-12-03 18:00"),
    # the last half hour of November; nobody ever acknowledges it
    "C3": dict(created="2026-11-30 23:30", category="price", severity="B",
               department="", channel="email", customer=ALICE,
               due_ack="2026-12-01 23:30", due_handling="2026-12-07 18:00"),
    # ten minutes into December, outside working hours; the plan is late
    "C4": dict(created="2026-12-01 00:10", category="quality", severity="A",
               department=QUALITY, channel="email", customer="carol@example.com",
               acknowledged="2026-12-01 00:10:05", first_action="2026-12-01 09:15",
               first_response="2026-12-01 10:30", resolved="2026-12-01 16:00",
               due_ack="2026-12-02 00:10", due_plan="2026-12-01 04:10",
               due_handling="2026-12-08 18:00"),
    # answered the next day, after the day report's end
    "C5": dict(created="2026-12-01 14:00", category="service", severity="B",
               department=SERVICE, channel="web", customer=HOSTILE,
               subject=HOSTILE_SUBJECT,
               acknowledged="2026-12-01 14:00:05", first_action="2026-12-02 09:30",
               first_response="2026-12-02 10:00",
               due_ack="2026-12-02 14:00", due_handling="2026-12-08 18:00",
               due_feedback="2026-12-04 18:00"),
    "C6": dict(created="2026-12-01 15:00", category="infringement", severity="C",
               department=LEGAL, channel="email", customer=HOSTILE,
               acknowledged="2026-12-01 15:00:05", first_action="2026-12-01 15:10",
               first_response="2026-12-01 15:30", resolved="2026-12-01 16:30",
               closed="2026-12-01 17:00",
               due_ack="2026-12-02 15:00", due_handling="2026-12-08 18:00"),
    # nothing done
    "C7": dict(created="2026-12-01 17:30", category="other", severity="C",
               department="", channel="email", customer="dave@example.com",
               due_ack="2026-12-02 17:30", due_handling="2026-12-08 18:00"),
    # a Saturday; answered on Monday, after the week
    "C8": dict(created="2026-12-05 10:00", category="quality", severity="C",
               department=QUALITY, channel="web", customer=ALICE,
               acknowledged="2026-12-05 10:00:05", first_action="2026-12-07 09:45",
               first_response="2026-12-07 09:45",
               due_ack="2026-12-06 10:00", due_handling="2026-12-11 18:00"),
    # earlier in November: resolved then, closed on the week's Monday
    "C9": dict(created="2026-11-20 10:00", category="service", severity="C",
               department=SERVICE, channel="email", customer="erin@example.com",
               acknowledged="2026-11-20 10:00:05", first_action="2026-11-20 10:30",
               first_response="2026-11-20 11:00", resolved="2026-11-25 12:00",
               closed="2026-11-30 10:00",
               due_ack="2026-11-21 10:00", due_handling="2026-11-27 18:00"),
    # October, never handled: overdue in every period
    "C10": dict(created="2026-10-30 10:00", category="quality", severity="B",
                department=QUALITY, channel="email", customer="gina@example.com",
                acknowledged="2026-10-30 10:00:05", first_action="2026-10-30 11:00",
                due_ack="2026-10-31 10:00", due_handling="2026-11-06 18:00"),
    "C11": dict(created="2026-12-02 09:00", category="price", severity="C",
                department="", channel="web", customer="frank@example.com",
                acknowledged="2026-12-02 09:00:05", first_action="2026-12-02 09:10",
                first_response="2026-12-02 09:20", resolved="2026-12-03 09:00",
                due_ack="2026-12-03 09:00", due_handling="2026-12-09 18:00"),
}

# rule -> the complaints it fired on (C4's kettle-leak twice: two fields)
HITS = [("kettle-leak", "C1"), ("kettle-leak", "C4"), ("kettle-leak", "C4"),
        ("kettle-leak", "C8"), ("injury", "C4"), (HOSTILE_RULE, "C5"),
        (HOSTILE_RULE, "C6"), ("delivery-late", "C2"), ("delivery-late", "C5"),
        ("price-diff", "C3"), ("price-diff", "C11"), (FORMULA_RULE, "C7")]

# the product fact of some complaints; C4 and C8 differ only in case: one
# product in the report
PRODUCTS = {"C1": "Kettle KT-200", "C4": "kettle KT-200", "C8": "Kettle KT-200",
            "C5": "Blender BX-9", "C6": HOSTILE_PRODUCT}

# complaint, rating, answered (None: sent, never answered)
SURVEYS = [("C6", 4, "2026-12-01 20:00"), ("C9", 2, "2026-12-03 10:00"),
           ("C1", None, None)]

STAMPS = {"acknowledged": "acknowledged_at", "first_action": "first_action_at",
          "first_response": "first_response_at", "resolved": "resolved_at",
          "closed": "closed_at"}
DEADLINES = ["ack", "plan", "investigation", "handling", "feedback", "closure"]


def status_of(c):
    for key, status in (("closed", "closed"), ("resolved", "resolved"),
                        ("acknowledged", "acknowledged")):
        if key in c:
            return status
    return "new"


def load_fixture(srv):
    """The fixture into the database; name -> complaint id."""
    ids = {}
    conn = srv.db.connect(autocommit=True)
    try:
        with conn.cursor() as cur:
            for n, (name, c) in enumerate(FIXTURE.items(), 1):
                cols = {"ref": f"CMP-2026-{n:04d}", "channel": c["channel"],
                        "status": status_of(c), "category": c["category"],
                        "severity": c["severity"], "department": c["department"],
                        "customer_addr": c["customer"], "customer_name": name,
                        "subject": c.get("subject", f"complaint {name}"), "lang": "zh",
                        "created_at": L(c["created"]), "updated_at": L(c["created"])}
                for key, col in STAMPS.items():
                    if key in c:
                        cols[col] = L(c[key])
                # the fixture's staff took the steps in one go: their first
                # action was the plan and the investigation report, their
                # first answer the result (STORE_DUE_MET reads these)
                for step, col in (("plan_at", "first_action_at"), ("report_at", "first_action_at"),
                                  ("result_sent_at", "first_response_at")):
                    if col in cols:
                        cols[step] = cols[col]
                for d in DEADLINES:
                    if "due_" + d in c:
                        cols["due_" + d] = L(c["due_" + d])
                cur.execute(f"INSERT INTO complaints ({', '.join(cols)}) VALUES "
                            f"({', '.join(['%s'] * len(cols))})", list(cols.values()))
                ids[name] = cur.lastrowid
            for rule, name in HITS:
                cur.execute("INSERT INTO rule_hits (complaint_id, rule, field, effect)"
                            " VALUES (%s, %s, 'subject', 'category')", (ids[name], rule))
            for name, product in PRODUCTS.items():
                cur.execute("INSERT INTO complaint_facts (complaint_id, name, value, source,"
                            " created_at) VALUES (%s, 'product', %s, 'mail', %s)",
                            (ids[name], product, L(FIXTURE[name]["created"])))
            for name, rating, answered in SURVEYS:
                c = FIXTURE[name]
                cur.execute("INSERT INTO surveys (complaint_id, resolved_at, sent_at, rating,"
                            " answered_at) VALUES (%s, %s, %s, %s, %s)",
                            (ids[name], L(c["resolved"]), L(c["resolved"]), rating,
                             L(answered) if answered else None))
    finally:
        conn.close()
    return ids


# ---- what the report must say, worked out by hand ---------------------------
#
# Working hours are 09:00-18:00 Monday to Friday. 2026-11-27 is a Friday,
# 11-28/29 the weekend, 11-30 a Monday, 12-01 a Tuesday, 12-05/06 a weekend.
# A figure "at the end" reads only stamps before the period's end.

DAY = {
    # created 12-01 00:00 .. 12-02 00:00: C4, C5, C6, C7 (C3 is 11-30 23:30)
    "counts": {"new": 4,
               # resolved_at in the day: C1 11:00, C4 16:00, C6 16:30
               "resolved": 3,
               # closed_at: C6 17:00
               "closed": 1,
               # created before 12-02 00:00 and not resolved/closed by then:
               # C2, C3, C5, C7, C10 (C1, C4 resolved, C6 and C9 closed)
               "open": 5,
               # open with a deadline passed and its step not done: C3 (ack due
               # 12-01 23:30, never acknowledged), C10 (handling due 11-06);
               # C2 acknowledged in time, C5 and C7 due only on 12-02
               "overdue": 2},
    "by_category": {"quality": 1, "service": 1, "price": 0, "infringement": 1,
                    "other": 1},                     # C4, C5, C6, C7
    "by_severity": {"A": 1, "B": 1, "C": 2},         # C4 A, C5 B, C6 C7 C
    "by_channel": {"email": 3, "web": 1, **NO_TAKEN},            # C5 by web
    "by_department": {"(none)": 1, LEGAL: 1, QUALITY: 1, SERVICE: 1},
    # first response: C4 00:10 -> 10:30 counts 09:00-10:30 = 1.5 h; C6
    # 15:00 -> 15:30 = 0.5 h; C5's answer (12-02) comes after the end, C7 has
    # none. Sorted [0.5, 1.5]: median (0.5 + 1.5) / 2 = 1.0; p90 at rank
    # (2 - 1) * 0.9 = 0.9: 0.5 + 0.9 * (1.5 - 0.5) = 1.4
    "first_response": (2, 1.0, 1.4),
    # resolution: C4 00:10 -> 16:00 = 09:00-16:00 = 7 h; C6 15:00 -> 16:30 =
    # 1.5 h. [1.5, 7]: median 4.25; p90 1.5 + 0.9 * 5.5 = 6.45
    "resolution": (2, 4.25, 6.45),
    # (due, met) of C4..C7:
    #  ack: C4, C5, C6 acknowledged a few seconds after creation (before the
    #       end, before the due time): 3 due, 3 met; C7's falls due 12-02 and
    #       is not done: not counted
    #  plan: C4 due 04:10, first action 09:15: 1 due, 0 met
    #  handling: C4 and C6 resolved in the day (due 12-08): 2 due, 2 met;
    #       C5, C7 neither due nor done
    #  feedback: C5's is due 12-04 and its answer comes on 12-02: not counted
    "deadlines": {"ack": (3, 3), "plan": (1, 0), "investigation": (0, 0),
                  "handling": (2, 2), "feedback": (0, 0), "closure": (0, 0)},
    # answered in the day: C6's 4
    "satisfaction": (True, 1, 4.0),
    # HOSTILE wrote C5 and C6; everyone else once. Listed by the references
    # of their complaints, oldest first, never by address
    "repeaters": (1, [("CMP-2026-0005 CMP-2026-0006", 2)]),
    # on C4..C7: HOSTILE_RULE C5 C6; injury C4; kettle-leak C4 (twice, one
    # complaint); delivery-late C5; FORMULA_RULE C7. Ties by key ('=' < 'd')
    "rules": [(HOSTILE_RULE, 2), (FORMULA_RULE, 1), ("delivery-late", 1),
              ("injury", 1), ("kettle-leak", 1)],
    # C4 kettle, C5 blender, C6 HOSTILE_PRODUCT ('<' < 'B' < 'k'); C7 none
    "by_product": [(HOSTILE_PRODUCT, 1), ("Blender BX-9", 1), ("kettle KT-200", 1),
                   (None, 1)],
    # hours: 00:00 C4 quality, 14:00 C5 service, 15:00 C6 infringement,
    # 17:00 C7 other
    "trend": ("hour", 24, {0: {"quality": 1}, 14: {"service": 1},
                           15: {"infringement": 1}, 17: {"other": 1}}),
}

WEEK = {
    # created 11-30 00:00 .. 12-07 00:00: C2, C3, C4, C5, C6, C7, C8, C11
    "counts": {"new": 8,
               # resolved: C1 12-01, C4, C6, C11 12-03 (C9 resolved 11-25)
               "resolved": 4,
               # closed: C6 12-01, C9 11-30 10:00
               "closed": 2,
               # open at 12-07 00:00: C2, C3, C5, C7, C8, C10
               "open": 6,
               # C3 and C7 never acknowledged (due 12-01 23:30, 12-02 17:30);
               # C10's handling; C2's feedback (due 12-03) and C5's (12-04)
               # were met, C8 acknowledged within its day
               "overdue": 3},
    "by_category": {"quality": 2, "service": 2, "price": 2, "infringement": 1,
                    "other": 1},   # C4 C8 / C2 C5 / C3 C11 / C6 / C7
    "by_severity": {"A": 1, "B": 2, "C": 5},      # C4 / C3 C5 / C2 C6 C7 C8 C11
    "by_channel": {"email": 4, "web": 4, **NO_TAKEN},         # C3 C4 C6 C7 / C2 C5 C8 C11
    "by_department": {"(none)": 3, QUALITY: 2, SERVICE: 2, LEGAL: 1},
    # C2 09:30 -> 11:00 = 1.5; C4 1.5; C5 Tue 14:00 -> Wed 10:00 = 4 + 1 = 5;
    # C6 0.5; C11 09:00 -> 09:20 = 1/3; C8's answer is on 12-07, after the end.
    # Sorted [0.333, 0.5, 1.5, 1.5, 5]: median x[2] = 1.5; p90 at rank
    # 4 * 0.9 = 3.6: x[3] + 0.6 * (x[4] - x[3]) = 1.5 + 0.6 * 3.5 = 3.6
    "first_response": (5, 1.5, 3.6),
    # C4 7; C6 1.5; C11 Wed 09:00 -> Thu 09:00 = 9. [1.5, 7, 9]: median 7;
    # p90 at rank 1.8: 7 + 0.8 * 2 = 8.6
    "resolution": (3, 7.0, 8.6),
    #  ack: all eight due by the end; C3 and C7 not done: 8 due, 6 met
    #  plan: C4 only, late: 1, 0
    #  handling: C4, C6, C11 resolved (in time); the others fall due after
    #       12-07 00:00 and are not done: 3, 3
    #  feedback: C2 (due 12-03, answered 11-30), C5 (due 12-04, answered
    #       12-02): 2, 2
    "deadlines": {"ack": (8, 6), "plan": (1, 0), "investigation": (0, 0),
                  "handling": (3, 3), "feedback": (2, 2), "closure": (0, 0)},
    # C6's 4 and C9's 2 answered in the week: 3.0
    "satisfaction": (True, 2, 3.0),
    # ALICE wrote C3 and C8, HOSTILE C5 and C6 (ties by the references)
    "repeaters": (2, [("CMP-2026-0003 CMP-2026-0008", 2),
                      ("CMP-2026-0005 CMP-2026-0006", 2)]),
    "rules": [(HOSTILE_RULE, 2), ("delivery-late", 2), ("kettle-leak", 2),
              ("price-diff", 2), (FORMULA_RULE, 1), ("injury", 1)],
    # C4 and C8 one product whatever the case; C2 C3 C7 C11 without one,
    # listed last though they are the most
    "by_product": [("kettle KT-200", 2), (HOSTILE_PRODUCT, 1), ("Blender BX-9", 1),
                   (None, 4)],
    # days from Monday: 11-30 C2 service, C3 price; 12-01 C4 C5 C6 C7;
    # 12-02 C11 price; 12-05 C8 quality
    "trend": ("day", 7, {0: {"service": 1, "price": 1},
                         1: {"quality": 1, "service": 1, "infringement": 1, "other": 1},
                         2: {"price": 1}, 5: {"quality": 1}}),
}

NOVEMBER = {
    # created in November: C9 11-20, C1 11-27, C2 11-30, C3 11-30 23:30
    "counts": {"new": 4,
               "resolved": 1,    # C9 11-25 (C1 only on 12-01)
               "closed": 1,      # C9 11-30
               # open at 12-01 00:00: C1 (resolved later), C2, C3, C10
               "open": 4,
               # only C10: C1's ack and plan were met, C2's and C3's fall due
               # on 12-01
               "overdue": 1},
    "by_category": {"quality": 1, "service": 2, "price": 1, "infringement": 0,
                    "other": 0},                    # C1 / C2 C9 / C3
    "by_severity": {"A": 1, "B": 1, "C": 2},        # C1 / C3 / C2 C9
    "by_channel": {"email": 3, "web": 1, **NO_TAKEN},           # C2 by web
    "by_department": {SERVICE: 2, "(none)": 1, QUALITY: 1},
    # C1 Fri 17:00 -> Mon 10:00 = 1 (Fri) + 0 (weekend) + 1 (Mon) = 2;
    # C2 1.5; C9 10:00 -> 11:00 = 1. [1, 1.5, 2]: median 1.5; p90 at rank
    # 1.8: 1.5 + 0.8 * 0.5 = 1.9
    "first_response": (3, 1.5, 1.9),
    # C9 Fri 11-20 10:00 -> Wed 11-25 12:00 = 8 (Fri) + 9 (Mon) + 9 (Tue) +
    # 3 (Wed) = 29; C1's resolution comes in December
    "resolution": (1, 29.0, 29.0),
    #  ack: C1 (due 11-28), C9 (due 11-21) met; C2 due 12-01 but acknowledged
    #       on 11-30: counted and met; C3 neither due nor done: 3, 3
    #  plan: C1 due 11-27 21:00, acted 18:30: 1, 1
    #  handling: C9 due 11-27, resolved 11-25: 1, 1 (C1 resolved after the end)
    #  feedback: C2 due 12-03, answered 11-30: 1, 1
    "deadlines": {"ack": (3, 3), "plan": (1, 1), "investigation": (0, 0),
                  "handling": (1, 1), "feedback": (1, 1), "closure": (0, 0)},
    # no survey answered in November: known, none, no average
    "satisfaction": (True, 0, None),
    "repeaters": (1, [("CMP-2026-0001 CMP-2026-0003", 2)]),   # ALICE: C1 and C3
    "rules": [("delivery-late", 1), ("kettle-leak", 1), ("price-diff", 1)],
    "by_product": [("Kettle KT-200", 1), (None, 3)],      # C1; C9 C2 C3
    # days from 11-01: 11-20 C9 service, 11-27 C1 quality, 11-30 C2 service
    # and C3 price
    "trend": ("day", 30, {19: {"service": 1}, 26: {"quality": 1},
                          29: {"service": 1, "price": 1}}),
}


# ---- running complaintctl ----------------------------------------------------

def run(bindir, conf, *args, env=None):
    return ctl_env.run(bindir, *args, conf=conf, env=env)


def ok(bindir, conf, *args, env=None):
    return ctl_env.ok(bindir, *args, conf=conf, env=env)


def setup(srv, bindir):
    tmp = tempfile.mkdtemp(prefix="ctd-report-")
    cal = os.path.join(tmp, "calendar")
    with open(cal, "w") as f:
        f.write(CALENDAR)
    d, _ = ctl_env.migrated(srv, bindir, load_fixture,
                            extra={"deadlines": {"calendar_file": cal}})
    return d, tmp


def close(d, tmp):
    d.close()
    shutil.rmtree(tmp, ignore_errors=True)


def near(got, want, what):
    if want is None:
        assert got is None, (what, got)
    else:
        assert got is not None and abs(got - want) < 0.006, (what, got, want)


def check_report(doc, want, kind, start):
    """A JSON report against the hand-made figures."""
    assert doc["kind"] == kind, doc["kind"]
    assert doc["from"] == start, doc["from"]
    assert doc["timezone"] == "Asia/Shanghai", doc["timezone"]
    for key in ("counts", "by_category", "by_severity", "by_channel", "by_department"):
        assert doc[key] == want[key], (key, doc[key], want[key])
    assert list(doc["by_department"].values()) == sorted(doc["by_department"].values(),
                                                        reverse=True), doc["by_department"]
    for key in ("first_response", "resolution"):
        got = doc["working_hours"][key]
        n, median, p90 = want[key]
        assert got["count"] == n, (key, got)
        near(got["median"], median, key + " median")
        near(got["p90"], p90, key + " p90")
    for name in DEADLINES:
        got = doc["deadlines"][name]
        due, met = want["deadlines"][name]
        assert (got["due"], got["met"]) == (due, met), (name, got, (due, met))
        near(got["share"], met / due if due else None, name + " share")
    known, answers, average = want["satisfaction"]
    sat = doc["satisfaction"]
    assert (sat["known"], sat["answers"]) == (known, answers), sat
    near(sat["average"], average, "satisfaction")
    count, top = want["repeaters"]
    assert doc["repeat_complainants"]["count"] == count, doc["repeat_complainants"]
    assert [(x["refs"], x["complaints"]) for x in doc["repeat_complainants"]["top"]] \
        == top, doc["repeat_complainants"]
    assert [(x["rule"], x["complaints"]) for x in doc["rules"]] == want["rules"], doc["rules"]
    fold = [(p.lower() if p else p, n) for p, n in want["by_product"]]
    assert [(x["product"].lower() if x["product"] else None, x["complaints"])
            for x in doc["by_product"]] == fold, doc["by_product"]
    unit, nbuckets, filled = want["trend"]
    trend = doc["trend"]
    assert trend["unit"] == unit and len(trend["buckets"]) == nbuckets, trend
    cats = ["quality", "service", "price", "infringement", "other"]
    for i, b in enumerate(trend["buckets"]):
        wanted = filled.get(i, {})
        assert {c: b[c] for c in cats if b[c]} == wanted, (i, b, wanted)
        assert b["total"] == sum(wanted.values()), b
    # the trend and the breakdown count the same complaints
    assert sum(b["total"] for b in trend["buckets"]) == want["counts"]["new"]


# ---- the tests ----------------------------------------------------------------

def test_figures(srv, bindir):
    """Day, week and month as JSON, every figure as worked out above."""
    d, tmp = setup(srv, bindir)
    try:
        doc = json.loads(ok(bindir, d.conf, "report", "--day", "2026-12-01",
                            "--format", "json"))
        check_report(doc, DAY, "day", "2026-12-01T00:00:00+08:00")
        assert doc["to"] == "2026-12-02T00:00:00+08:00", doc["to"]
        assert doc["title"] == "投诉日报 2026-12-01", doc["title"]
        # the trend's first hour starts at the day's start
        assert doc["trend"]["buckets"][0]["start"] == "2026-12-01T00:00:00+08:00"
        assert doc["trend"]["buckets"][23]["start"] == "2026-12-01T23:00:00+08:00"

        # any day of the week gives the week from Monday; the global --json
        for day in ("2026-11-30", "2026-12-03", "2026-12-06"):
            doc = json.loads(ok(bindir, d.conf, "--json", "report", "--week", day,
                                "--lang", "en"))
            check_report(doc, WEEK, "week", "2026-11-30T00:00:00+08:00")
            assert doc["to"] == "2026-12-07T00:00:00+08:00", doc["to"]
            assert doc["title"] == "Complaints weekly report 2026-11-30 – 2026-12-06", \
                doc["title"]

        doc = json.loads(ok(bindir, d.conf, "report", "--month", "2026-11", "--json"))
        check_report(doc, NOVEMBER, "month", "2026-11-01T00:00:00+08:00")
        assert doc["to"] == "2026-12-01T00:00:00+08:00", doc["to"]
        assert doc["title"] == "投诉月报 2026-11", doc["title"]

        # --from/--to name whole days: the week again, found to be one
        doc = json.loads(ok(bindir, d.conf, "report", "--from", "2026-11-30", "--to",
                            "2026-12-06", "--format=json"))
        check_report(doc, WEEK, "week", "2026-11-30T00:00:00+08:00")
        # a range that is no calendar period: Nov 30 and Dec 1 are C2..C7
        doc = json.loads(ok(bindir, d.conf, "report", "--from", "2026-11-30", "--to",
                            "2026-12-01", "--format", "json"))
        assert doc["kind"] == "range" and doc["counts"]["new"] == 6, doc["counts"]
        assert doc["title"] == "投诉报告 2026-11-30 – 2026-12-01", doc["title"]
        assert doc["trend"]["unit"] == "day" and len(doc["trend"]["buckets"]) == 2

        # the default: yesterday, with the clock moved to 2026-12-02 10:00
        target = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI).timestamp()
        offset = str(int(target - time.time()))
        doc = json.loads(ok(bindir, d.conf, "--json", "report",
                            env={"COMPLAINTD_CLOCK_OFFSET": offset}))
        check_report(doc, DAY, "day", "2026-12-01T00:00:00+08:00")
    finally:
        close(d, tmp)


def test_text_and_csv(srv, bindir):
    """The text form fits 80 columns in both languages and says the figures;
    CSV reads back with the csv module, sections and quoting intact."""
    d, tmp = setup(srv, bindir)
    try:
        for lang in ("en", "zh"):
            text = ok(bindir, d.conf, "report", "--week", "2026-12-01", "--lang", lang)
            print(text, end="")
            for line in text.splitlines():
                assert columns(line) <= 80, f"{columns(line)} columns: {line!r}"
                assert line == line.rstrip(), f"trailing blanks: {line!r}"
                assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", line), repr(line)
        en = ok(bindir, d.conf, "report", "--week", "2026-12-01", "--lang", "en")
        assert en.startswith("Complaints weekly report 2026-11-30 – 2026-12-06\n"), en
        for label, n in (("New complaints", 8), ("Resolved", 4), ("Closed", 2),
                         ("Open at the end", 6), ("Overdue at the end", 3)):
            assert re.search(rf"^  {label}\s+{n}$", en, re.M), (label, en)
        assert re.search(r"^  Product quality\s+2\s+25\.0%$", en, re.M), en
        assert re.search(r"^  \(none\)\s+3\s+37\.5%$", en, re.M), en
        assert re.search(r"^  first response\s+5\s+1\.5\s+3\.6$", en, re.M), en
        assert re.search(r"^  Acknowledgement\s+6\s+8\s+75\.0%$", en, re.M), en
        assert re.search(r"^  average rating 3\.00 of 2 answers$", en, re.M), en
        assert re.search(r"^Repeat complainants: 2\s+complaints$", en, re.M), en
        assert re.search(r"^  12-01 Tue\s+1\s+1\s+0\s+1\s+1\s+4$", en, re.M), en
        assert re.search(r"^New complaints by product\s+count\s+share$", en, re.M), en
        assert re.search(r"^  kettle KT-200\s+2\s+25\.0%$", en, re.M | re.I), en
        assert re.search(r"^  \(product not known\)\s+4\s+50\.0%$", en, re.M), en
        zh = ok(bindir, d.conf, "report", "--week", "2026-12-01", "--lang", "zh")
        assert zh.startswith("投诉周报 2026-11-30 – 2026-12-06\n"), zh
        assert re.search(r"^  新增投诉\s+8$", zh, re.M), zh
        assert re.search(r"^  期末逾期\s+3$", zh, re.M), zh
        assert re.search(r"^新增投诉按产品", zh, re.M), zh
        assert re.search(r"^  （产品不详）\s+4\s+50\.0%$", zh, re.M), zh
        assert re.search(r"^  12-01 周二\s+1\s+1\s+0\s+1\s+1\s+4$", zh, re.M), zh

        out = ok(bindir, d.conf, "report", "--day", "2026-12-01", "--format", "csv")
        assert "\r\n" in out and "\n" not in out.replace("\r\n", ""), "not CRLF"
        sections = {}
        for block in out.split("\r\n\r\n"):
            rows = list(csv.reader(io.StringIO(block, newline="")))
            sections[rows[0][0]] = rows[1:]
        assert list(sections) == ["report", "summary", "by_category", "by_severity",
                                  "by_channel", "by_department", "by_product", "working_hours",
                                  "deadlines", "satisfaction", "repeat_complainants",
                                  "rules", "validity", "responsible_units",
                                  "compensation", "trend"], list(sections)
        for name, rows in sections.items():
            assert all(len(r) == len(rows[0]) for r in rows), (name, rows)
        assert sections["report"][1][1:4] == ["day", "2026-12-01T00:00:00+08:00",
                                              "2026-12-02T00:00:00+08:00"], sections["report"]
        summary = dict(sections["summary"][1:])
        assert summary == {k: str(v) for k, v in list(DAY["counts"].items())
                           + [("repeat_complainants", 1)]}, summary
        assert dict(sections["by_category"][1:]) == \
            {k: str(v) for k, v in DAY["by_category"].items()}
        assert sections["working_hours"][1] == ["first_response", "2", "1.00", "1.40"]
        assert sections["deadlines"][2] == ["plan", "1", "0", "0.0000"], sections["deadlines"]
        assert sections["deadlines"][3] == ["investigation", "0", "0", ""]
        # the comma and the quotes of HOSTILE_RULE survive quoting; the formula
        # is kept from running by a leading '
        rules = [tuple(r) for r in sections["rules"][1:]]
        assert rules == [(HOSTILE_RULE, "2"), ("'" + FORMULA_RULE, "1"),
                         ("delivery-late", "1"), ("injury", "1"), ("kettle-leak", "1")], rules
        assert '"<script>alert(""r"")</script>, & co",2\r\n' in out, out
        assert sections["by_product"] == [["product", "complaints"], [HOSTILE_PRODUCT, "1"],
                                          ["Blender BX-9", "1"], ["kettle KT-200", "1"],
                                          ["(not known)", "1"]], sections["by_product"]
        assert '"<i>Mixer</i>, ""M1""",1\r\n' in out, out
        assert sections["repeat_complainants"][0] == ["references", "complaints"]
        assert sections["repeat_complainants"][1:] == [["CMP-2026-0005 CMP-2026-0006", "2"]]
        assert HOSTILE not in out and ALICE not in out, "a customer's address in the report"
        assert len(sections["trend"]) == 25 and sections["trend"][1][0] == \
            "2026-12-01T00:00:00+08:00", sections["trend"][:2]
    finally:
        close(d, tmp)


class Page(html.parser.HTMLParser):
    """What a browser would make of the page: its elements, attributes and
    text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def screenshot(path, png, tmp):
    """Headless Chromium's picture of the page: (exit status, stderr)."""
    r = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
                        f"--user-data-dir={os.path.join(tmp, 'chromium')}",
                        f"--screenshot={png}", "--window-size=1200,2000",
                        "file://" + path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return r.returncode, r.stderr.decode("utf-8", "replace")


def test_html(srv, bindir):
    """The HTML page: self-contained, nothing the customer wrote as markup,
    three charts; Chromium renders it without a complaint."""
    d, tmp = setup(srv, bindir)
    keep = os.environ.get("REPORT_PNG_DIR")
    try:
        for args, lang in ((["--week", "2026-12-01"], "en"), (["--day", "2026-12-01"], "zh"),
                           (["--month", "2026-11"], "en"), (["--day", "2026-01-01"], "en")):
            path = os.path.join(tmp, f"report-{args[1]}-{lang}.html")
            rc, out, err = run(bindir, d.conf, "report", *args, "--format", "html",
                               "--lang", lang, "--output", path)
            assert rc == 0 and out == "", (rc, out, err)
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, oct(os.stat(path).st_mode)
            with open(path, encoding="utf-8") as f:
                page = f.read()
            p = Page()
            p.feed(page)
            p.close()
            assert "script" not in p.tags, "a <script> element in the page"
            for bad in ("img", "link", "iframe", "object", "style", "a"):
                assert bad not in p.tags, (bad, "in the page")
            names = {k for k, _ in p.attrs}
            assert not names & {"src", "href", "srcset", "onload", "onerror"}, names
            assert not any(k.startswith("on") for k in names), names
            assert "url(" not in page and "@import" not in page
            assert p.tags.count("svg") == 3, p.tags.count("svg")
            text = "".join(p.text)
            assert not re.search(r"\bnan\b|\binf\b", page, re.I), "NaN in the page"
            if args[0] == "--week":
                # a rule's name shown as text, exactly as it was written;
                # customers by their complaints' references, not addresses
                assert HOSTILE_RULE in text and "CMP-2026-0005 CMP-2026-0006" in text, text
                assert HOSTILE not in text and ALICE not in text, text
                # a product as text too, in its own table
                assert HOSTILE_PRODUCT in text and "i" not in p.tags, p.tags
                assert "<script>" not in page, "unescaped"
                assert "&lt;script&gt;" in page
            png = os.path.join(tmp, os.path.basename(path)[:-5] + ".png")
            rc, err = screenshot(path, png, tmp)
            assert rc == 0, (rc, err)
            for line in err.splitlines():
                assert "CONSOLE" not in line and "Uncaught" not in line, line
            size = os.path.getsize(png)
            with open(png, "rb") as f:
                assert f.read(8) == b"\x89PNG\r\n\x1a\n", png
            assert size > 20000, (png, size)
            print(f"  {os.path.basename(png)}: {size} bytes")
            if keep:
                os.makedirs(keep, exist_ok=True)
                shutil.copy(png, keep)
                shutil.copy(path, keep)
    finally:
        close(d, tmp)


def test_before_surveys(srv, bindir):
    """A database whose schema predates the surveys: satisfaction unknown,
    everything else as before."""
    d, tmp = setup(srv, bindir)
    try:
        conn = srv.db.connect(autocommit=True)
        try:
            with conn.cursor() as cur:
                cur.execute("DELETE FROM schema_migrations WHERE version >= 3")
                cur.execute("DROP TABLE surveys")
        finally:
            conn.close()
        doc = json.loads(ok(bindir, d.conf, "report", "--day", "2026-12-01", "--json"))
        assert doc["satisfaction"] == {"known": False, "answers": 0, "average": None}, \
            doc["satisfaction"]
        assert doc["counts"] == DAY["counts"], doc["counts"]
        text = ok(bindir, d.conf, "report", "--day", "2026-12-01", "--lang", "en")
        assert "unknown (no surveys yet)" in text, text
    finally:
        close(d, tmp)


def test_usage(srv, bindir):
    """Bad options: exit 2, a message that says what is wrong, no output."""
    d, tmp = setup(srv, bindir)
    try:
        for args, says in [
                (["--day", "2026-02-30"], "bad date"),
                (["--month", "2026-13"], "bad month"),
                (["--month", "2026-1"], "bad month"),
                (["--from", "2026-12-01"], "--from and --to go together"),
                (["--to", "2026-12-01"], "--from and --to go together"),
                (["--from", "2026-12-02", "--to", "2026-12-01"], "must not come before"),
                (["--from", "2025-01-01", "--to", "2026-12-31"], "at most 366 days"),
                (["--day", "2026-12-01", "--week", "2026-12-01"], "give one period"),
                (["--format", "xml"], "--format is text, csv, json or html"),
                (["--json", "--format", "csv"], "--json and --format"),
                (["--lang", "fr"], "--lang is zh or en"),
                (["--day"], "--day needs a value"),
                (["--frobnicate"], "unknown option --frobnicate"),
                (["yesterday"], "unexpected argument yesterday")]:
            rc, out, err = run(bindir, d.conf, "report", *args)
            assert rc == 2 and says in err and out == "", (args, rc, out, err)
            assert "report [--day DATE" in err, (args, err)
        # a database that cannot be reached: exit 1
        srv.db.stop()
        try:
            rc, out, err = run(bindir, d.conf, "report", "--day", "2026-12-01")
            assert rc == 1 and out == "" and "database" in err, (rc, out, err)
        finally:
            srv.db.start()
    finally:
        close(d, tmp)


TESTS = [test_figures, test_text_and_csv, test_html, test_before_surveys, test_usage]


def main():
    return run_tests("report", TESTS, sys.argv[1:], servers_kw={"imap": False},
                     reset_kw={"folders": ()})


if __name__ == "__main__":
    sys.exit(main())
