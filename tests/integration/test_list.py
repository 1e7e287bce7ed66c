#!/usr/bin/python3
"""`complaintctl list`, `search` and `export` against a real MariaDB.

A fixture of eight complaints and their messages is written with SQL
(Chinese and English subjects and bodies, every status, several categories,
severities, departments and days, deadlines met and missed), then every
filter alone and several together, the order, the limit, free-text search
(a Chinese word inside running text in a message body, English without
regard to case, %, _ and \\ as plain characters, a word found nowhere), the
80-column text form, the JSON form, CSV and JSON exports read back and
compared with the database, the byte order mark, --output, usage errors and
database errors.

The fixture's complaints are named K1..K8 here; each test compares the exact
set (or order) of references a command gives with the one it should give,
so a filter that matches too much or too little fails.

usage: test_list.py BINDIR [TEST ...]     (BINDIR holds complaintctl)
"""

import csv
import datetime
import io
import json
import os
import re
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ctl_env  # noqa: E402
import servers  # noqa: E402
from ctl_env import columns, utc  # noqa: E402
from daemon_env import Daemon, query, run_tests  # noqa: E402

# Dates in the fixture are written in UTC; the commands run in Shanghai
# (UTC+8, no summer time), where K2, created 16:30 UTC on 1 March, falls on
# 2 March, and K3, created 15:59:59 UTC on 5 March, at the very end of 5 March.
TZ = "Asia/Shanghai"
NOW = datetime.datetime.utcnow().replace(microsecond=0)
DAY = datetime.timedelta(days=1)
PAST = NOW - DAY
LONG_AGO = NOW - 100 * DAY
SOON = NOW + 10 * DAY          # overdue only with the clock moved on 11 days


def at(s):
    return datetime.datetime.fromisoformat(s)


OFFICE = "office@staff.shop.example"
QUALITY = "quality@staff.shop.example"
LEGAL = "legal@staff.shop.example"
K3_SUBJECT = 'Price, "double" charged\nsecond line'
K1_SUBJECT = "电水壶问题：购买后第二次使用就出现故障，客服一直不回复，请尽快处理，谢谢"

# name: complaint columns and its messages [(direction, subject, body)]
FIXTURE = {
    "K1": dict(ref="CMP-20260301-0001", channel="email", status="new", category="quality",
               severity="A", route="crisis-team", department=QUALITY,
               customer_addr="Zhang.Wei@Mail.Example.CN", customer_name="张伟",
               subject=K1_SUBJECT, lang="zh", created_at=at("2026-03-01 02:00:00"),
               updated_at=at("2026-11-10 00:00:00"),
               due_ack=PAST,                       # overdue: not acknowledged, not answered
               messages=[("in", K1_SUBJECT, "您好，我上周买的电水壶底座漏水了，差点触电。")]),
    "K2": dict(ref="CMP-20260301-0002", channel="web", status="acknowledged",
               category="service", severity="B", department=OFFICE,
               customer_addr="li.na@example.com", customer_name="Li\rNa",
               subject="Blender arrived BROKEN", created_at=at("2026-03-01 16:30:00"),
               updated_at=at("2026-03-01 16:31:00"),
               acknowledged_at=at("2026-03-01 16:31:00"),
               first_response_at=at("2026-03-02 09:00:00"),
               result_sent_at=at("2026-03-02 09:00:00"),  # the answer was the result
               due_ack=LONG_AGO, due_feedback=LONG_AGO,   # both met
               due_handling=SOON,                          # overdue later
               messages=[("in", "Blender arrived BROKEN",
                          "The blender jar was cracked when it arrived.")]),
    "K3": dict(ref="CMP-20260305-0001", channel="email", status="in_progress",
               category="price", severity="C", department=OFFICE,
               assignee="li.ming@staff.shop.example",
               customer_addr="bob.cxd@shop-customer.example", customer_name="Bob",
               subject=K3_SUBJECT, created_at=at("2026-03-05 15:59:59"),
               updated_at=at("2026-11-20 00:00:00"),
               acknowledged_at=at("2026-03-05 16:00:00"),
               first_action_at=at("2026-03-06 10:00:00"),
               due_handling=PAST,                  # overdue: not resolved
               messages=[("in", "Price", "I was charged twice: 100% of the price, twice.")]),
    "K4": dict(ref="CMP-20260310-0001", channel="email", status="resolved",
               category="quality", severity="B", department=QUALITY,
               customer_addr="wang@mail.example.cn", customer_name="王芳",
               subject="热水器漏水", lang="zh", created_at=at("2026-03-10 03:00:00"),
               updated_at=at("2026-03-12 00:00:00"),
               resolved_at=at("2026-03-12 00:00:00"),
               due_ack=LONG_AGO,                   # missed, but resolved is not open
               messages=[("in", "热水器漏水", "热水器接口处一直滴水，已经换过密封圈。")]),
    "K5": dict(ref="CMP-20260315-0001", channel="email", status="closed",
               category="other", severity="C", department=OFFICE,
               customer_addr="ZHANG.WEI@mail.example.cn", customer_name="张伟",
               subject="Refund request for order_123", created_at=at("2026-03-15 08:00:00"),
               updated_at=at("2026-10-01 00:00:00"),
               resolved_at=at("2026-03-20 00:00:00"), closed_at=at("2026-03-21 00:00:00"),
               due_closure=LONG_AGO,
               messages=[("in", "Refund", "Please refund order_123 as agreed.")]),
    "K6": dict(ref="CMP-20260320-0001", channel="web", status="reopened",
               category="infringement", severity="A", department=LEGAL,
               customer_addr="c_d@example.org", customer_name="",
               subject="Counterfeit 冒牌 product", created_at=at("2026-03-20 05:00:00"),
               updated_at=at("2026-03-20 05:00:00"),
               acknowledged_at=at("2026-03-20 05:00:01"),
               reopened_at=at("2026-04-01 00:00:00"),
               due_plan=PAST,                      # overdue: no staff action yet
               messages=[("in", "Counterfeit",
                          "The serial number path is C:\\temp\\x on the label.")]),
    "K7": dict(ref="CMP-20260325-0001", channel="email", status="new",
               category="service", severity="C", department="Office@Staff.Shop.Example",
               customer_addr="li.na@example.com", customer_name="Li Na",
               subject="orderX123 missing", created_at=at("2026-03-25 01:00:00"),
               updated_at=at("2026-03-25 01:00:00"),
               first_response_at=at("2026-03-25 02:00:00"),
               due_ack=PAST,                       # met by the first answer, not acked
               due_closure=SOON,                   # overdue later
               parent="K2",
               messages=[("in", "orderX123", "Where is my parcel? It said C:temp on the box.")]),
    "K8": dict(ref="CMP-20260401-0001", channel="email", status="acknowledged",
               category="quality", severity="A", department=QUALITY,
               customer_addr="percent@example.com", customer_name="Cent, Per",
               subject="100 percent broken", created_at=at("2026-04-01 00:00:00"),
               updated_at=at("2026-04-01 00:00:00"),
               acknowledged_at=at("2026-04-01 00:00:05"),
               first_action_at=at("2026-04-01 08:00:00"),
               report_at=at("2026-04-01 08:00:00"),
               due_investigation=PAST,             # met by the investigation report
               messages=[("in", "100 percent broken", "It stopped working."),
                         ("out", "Re: 100 percent broken",
                          "We are sorry; please send a photo."),
                         ("in", "Re: 100 percent broken",
                          "The base is now LEAKING water everywhere.")]),
}
ALL = ["K8", "K7", "K6", "K5", "K4", "K3", "K2", "K1"]      # newest first
REF = {k: v["ref"] for k, v in FIXTURE.items()}
NAME = {v: k for k, v in REF.items()}
TIMES = ["created_at", "updated_at", "acknowledged_at", "resolved_at", "closed_at",
         "first_action_at", "first_response_at", "reopened_at", "due_ack", "due_plan",
         "due_investigation", "due_handling", "due_feedback", "due_closure"]


def load_fixture(srv):
    """The fixture into the migrated database; K name -> complaint id."""
    conn = srv.db.connect(autocommit=True)
    ids = {}
    try:
        with conn.cursor() as c:
            for name in sorted(FIXTURE):
                row = dict(FIXTURE[name])
                messages = row.pop("messages")
                parent = row.pop("parent", None)
                if parent:
                    row["parent_id"] = ids[parent]
                cols = ", ".join(row)
                marks = ", ".join(["%s"] * len(row))
                c.execute(f"INSERT INTO complaints ({cols}) VALUES ({marks})",
                          list(row.values()))
                ids[name] = c.lastrowid
                for i, (direction, subject, body) in enumerate(messages):
                    c.execute("INSERT INTO messages (complaint_id, direction, channel,"
                              " from_addr, subject, body, received_at)"
                              " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                              (ids[name], direction, row["channel"],
                               row["customer_addr"] if direction == "in" else OFFICE,
                               subject, body, row["created_at"] + i * DAY))
            # mail that joined no complaint (quarantined) is not searched
            c.execute("INSERT INTO messages (complaint_id, direction, channel, subject,"
                      " body, received_at, quarantined)"
                      " VALUES (NULL, 'in', 'email', '孤儿', '无主邮件：洗碗机漏电', %s, 1)",
                      (NOW,))
    finally:
        conn.close()
    return ids


def run(bindir, *args, conf=None, env=None):
    """complaintctl's (returncode, stdout, stderr) as text, in Shanghai."""
    return ctl_env.run(bindir, *args, conf=conf, env={"TZ": TZ, **(env or {})})


def ok(bindir, *args, conf=None, env=None):
    return ctl_env.ok(bindir, *args, conf=conf, env={"TZ": TZ, **(env or {})})


def raw(bindir, *args, conf=None, env=None):
    """stdout as bytes, for exports."""
    return ctl_env.raw(bindir, *args, conf=conf, env={"TZ": TZ, **(env or {})})


def names(bindir, conf, *args, env=None):
    """The fixture names list --json (or search) gives, in its order."""
    doc = json.loads(ok(bindir, "--json", *args, conf=conf, env=env))
    assert isinstance(doc, list), doc
    return [NAME[x["ref"]] for x in doc]


def iso_unix(s):
    """An exported time: ISO 8601 with the Shanghai offset, as unix seconds."""
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", s), s
    return int(datetime.datetime.fromisoformat(s).timestamp())


# the case facts' columns an export adds after the table's (store_list.h)
FACT_COLS = ["fact_order_no", "fact_product", "fact_purchase_place", "fact_purchase_date",
             "fact_phone", "fact_demand"]


def table_columns(srv):
    return [r[0] for r in query(srv, "SELECT column_name FROM information_schema.columns"
                                " WHERE table_schema = DATABASE() AND table_name = 'complaints'"
                                " ORDER BY ordinal_position")]


def setup(srv, bindir):
    return ctl_env.migrated(srv, bindir, load_fixture)


# ---------------------------------------------------------------------------

def test_filters(srv, bindir):
    """Every filter alone, then several together; order and limit."""
    d, _ = setup(srv, bindir)
    try:
        c = d.conf
        assert names(bindir, c, "list") == ALL
        cases = [
            # reference: exact (byte for byte), or a prefix
            (["--ref", "CMP-20260301-0002"], ["K2"]),
            (["--ref", "CMP-20260301*"], ["K2", "K1"]),
            (["--ref=CMP-2026030*"], ["K3", "K2", "K1"]),
            (["--ref", "cmp-20260301-0002"], []),
            (["--ref", "CMP-20260301"], []),
            # customer: the address without regard to case, or a part of it
            (["--customer", "li.na@example.com"], ["K7", "K2"]),
            (["--customer", "LI.NA@Example.COM"], ["K7", "K2"]),
            (["--customer", "zhang.wei@mail.example.cn"], ["K5", "K1"]),
            (["--customer", "*@mail.example.cn"], ["K5", "K4", "K1"]),
            (["--customer", "*zhang*"], ["K5", "K1"]),
            (["--customer", "li.na"], []),
            (["--customer", "*c_d@*"], ["K6"]),          # _ is no wildcard
            (["--customer", "li.na*"], ["K7", "K2"]),
            # status: repeatable, a comma list, "open"
            (["--status", "new"], ["K7", "K1"]),
            (["--status", "new,closed"], ["K7", "K5", "K1"]),
            (["--status", "NEW, Closed"], ["K7", "K5", "K1"]),
            (["--status", "new", "--status", "closed"], ["K7", "K5", "K1"]),
            (["--status", "open"], ["K8", "K7", "K6", "K3", "K2", "K1"]),
            (["--status", "resolved"], ["K4"]),
            (["--status", "reopened,in_progress"], ["K6", "K3"]),
            (["--status", "acknowledged"], ["K8", "K2"]),
            # category, severity, department (case does not matter)
            (["--category", "quality"], ["K8", "K4", "K1"]),
            (["--category", "QUALITY"], ["K8", "K4", "K1"]),
            (["--category", "infringement"], ["K6"]),
            (["--severity", "A"], ["K8", "K6", "K1"]),
            (["--severity", "b"], ["K4", "K2"]),
            (["--department", OFFICE], ["K7", "K5", "K3", "K2"]),
            (["--department", "LEGAL@staff.shop.example"], ["K6"]),
            # days of creation in local (Shanghai) time, both ends inclusive
            (["--from", "2026-03-02", "--to", "2026-03-05"], ["K3", "K2"]),
            (["--to", "2026-03-01"], ["K1"]),
            (["--from", "2026-03-05", "--to", "2026-03-05"], ["K3"]),
            (["--from", "2026-03-20"], ["K8", "K7", "K6"]),
            (["--to", "2026-03-04"], ["K2", "K1"]),
            # overdue at the current time, as the escalations judge it
            (["--overdue"], ["K6", "K3", "K1"]),
            # together
            (["--status", "open", "--severity", "A", "--overdue"], ["K6", "K1"]),
            (["--customer", "*@mail.example.cn", "--status", "closed"], ["K5"]),
            (["--category", "quality", "--from", "2026-03-05"], ["K8", "K4"]),
            (["--department", QUALITY, "--severity", "A"], ["K8", "K1"]),
            (["--customer", "li.na@example.com", "--status", "open", "--severity", "C"],
             ["K7"]),
            (["--ref", "CMP-202603*", "--category", "service", "--to", "2026-03-10"],
             ["K2"]),
            (["--status", "closed", "--overdue"], []),
        ]
        for args, want in cases:
            got = names(bindir, c, "list", *args)
            assert got == want, (args, got, want)

        # the day boundaries are local: in UTC, K2 belongs to 1 March
        utc_env = {"TZ": "UTC"}
        assert names(bindir, c, "list", "--from", "2026-03-02", "--to", "2026-03-05",
                     env=utc_env) == ["K3"]
        assert names(bindir, c, "list", "--to", "2026-03-01", env=utc_env) == ["K2", "K1"]

        # eleven days on, K2's handling and K7's closure are overdue too
        later = {"COMPLAINTD_CLOCK_OFFSET": str(11 * 86400)}
        assert names(bindir, c, "list", "--overdue", env=later) == \
            ["K7", "K6", "K3", "K2", "K1"]

        # order
        assert names(bindir, c, "list", "--sort", "severity") == \
            ["K8", "K6", "K1", "K4", "K2", "K7", "K5", "K3"]
        assert names(bindir, c, "list", "--sort", "updated") == \
            ["K3", "K1", "K5", "K8", "K7", "K6", "K4", "K2"]
        assert names(bindir, c, "list", "--sort", "created") == ALL
        assert names(bindir, c, "list", "--sort", "severity", "--status", "open",
                     "--limit", "2") == ["K8", "K6"]

        # limit: the count line says when more match
        text = ok(bindir, "list", "--limit", "3", conf=c)
        lines = text.splitlines()
        assert [NAME[x.split()[0]] for x in lines[:-1]] == ["K8", "K7", "K6"], text
        assert lines[-1] == "3 complaints shown; more match (--limit 3)", lines
        rc, out, err = run(bindir, "--json", "list", "--limit", "3", conf=c)
        assert rc == 0 and len(json.loads(out)) == 3 and "more complaints match" in err, err
        text = ok(bindir, "list", "--limit", "8", conf=c)
        assert text.splitlines()[-1] == "8 complaints", text
        assert names(bindir, c, "list", "--limit", "0") == ALL
        assert ok(bindir, "list", "--ref", "CMP-20260301-0002", conf=c) \
            .splitlines()[-1] == "1 complaint"
        assert ok(bindir, "list", "--ref", "NOPE", conf=c) == "0 complaints\n"
        assert ok(bindir, "--json", "list", "--ref", "NOPE", conf=c) == "[]\n"
    finally:
        d.close()


def test_default_limit(srv, bindir):
    """list and search show 50 unless told; export has no default limit."""
    d, _ = setup(srv, bindir)
    try:
        conn = srv.db.connect(autocommit=True)
        with conn.cursor() as cur:
            for i in range(60):
                cur.execute("INSERT INTO complaints (ref, channel, category, severity,"
                            " customer_addr, subject, created_at, updated_at)"
                            " VALUES (%s, 'email', 'other', 'C', 'bulk@example.com',"
                            " %s, %s, %s)",
                            (f"BULK-20260501-{i:04d}", f"bulk complaint {i}",
                             at("2026-05-01 00:00:00") + i * datetime.timedelta(minutes=1),
                             at("2026-05-01 00:00:00")))
        conn.close()
        text = ok(bindir, "list", conf=d.conf)
        lines = text.splitlines()
        assert len(lines) == 51 and lines[-1] == "50 complaints shown; more match " \
            "(--limit 50)", lines[-1]
        assert lines[0].startswith("BULK-20260501-0059 "), lines[0]
        text = ok(bindir, "search", "bulk complaint", conf=d.conf)
        assert text.splitlines()[-1].startswith("50 complaints shown"), text
        assert len(json.loads(ok(bindir, "--json", "list", "--limit", "0", conf=d.conf))) == 68
        rows = list(csv.reader(io.StringIO(raw(bindir, "export", conf=d.conf).decode(),
                                           newline="")))
        assert len(rows) == 1 + 68, len(rows)
        rows = list(csv.reader(io.StringIO(raw(bindir, "export", "--limit", "5",
                                               conf=d.conf).decode(), newline="")))
        assert len(rows) == 1 + 5, len(rows)
    finally:
        d.close()


def test_search(srv, bindir):
    """Free text in subjects and message bodies."""
    d, _ = setup(srv, bindir)
    try:
        c = d.conf
        cases = [
            # a Chinese word inside running text: K1 has it only in its mail's
            # body, K4 only in its subject
            ("漏水", ["K4", "K1"]),
            ("底座漏水", ["K1"]),
            ("电水壶底座漏水了", ["K1"]),
            ("冒牌", ["K6"]),
            ("洗衣机", []),                       # nowhere
            ("洗碗机", []),                       # only in mail of no complaint
            # English without regard to case, in subjects and bodies
            ("blender", ["K2"]),
            ("BLENDER", ["K2"]),
            ("broken", ["K8", "K2"]),
            ("leaking", ["K8"]),                  # K8's third message
            ("photo", ["K8"]),                    # our answer to the customer
            # %, _ and \ are plain characters
            ("100%", ["K3"]),
            ("%", ["K3"]),
            ("order_123", ["K5"]),
            ("_", ["K5"]),
            ("C:\\temp", ["K6"]),
            ("\\", ["K6"]),
            ("not there at all", []),
        ]
        for text, want in cases:
            got = names(bindir, c, "search", text)
            assert got == want, (text, got, want)
        # with filters, and the text anywhere among the options
        assert names(bindir, c, "search", "漏水", "--status", "open") == ["K1"]
        assert names(bindir, c, "search", "--category", "quality", "broken") == ["K8"]
        assert names(bindir, c, "search", "broken", "--sort", "severity") == ["K8", "K2"]
        assert names(bindir, c, "search", "--", "--not-an-option") == []

        out = ok(bindir, "search", "漏水", conf=c)
        lines = out.splitlines()
        assert [NAME[x.split()[0]] for x in lines[:-1]] == ["K4", "K1"], out
        assert lines[-1] == "2 complaints", lines
        assert ok(bindir, "search", "洗衣机", conf=c) == "0 complaints\n"
    finally:
        d.close()


def test_text_and_json(srv, bindir):
    """The text form fits 80 columns; the JSON form has every key."""
    d, _ = setup(srv, bindir)
    try:
        text = ok(bindir, "list", conf=d.conf)
        print(text, end="")
        lines = text.splitlines()
        assert len(lines) == len(ALL) + 1, lines      # K3's newline stays inside its line
        assert lines[-1] == "8 complaints", lines
        for line, name in zip(lines, ALL):
            k = FIXTURE[name]
            assert columns(line) <= 80, f"{columns(line)} columns: {line!r}"
            assert line == line.rstrip(), f"trailing blanks: {line!r}"
            assert not re.search(r"[\x00-\x1f\x7f]", line), repr(line)
            f = line.split(None, 6)
            local = k["created_at"] + datetime.timedelta(hours=8)
            assert f[:4] == [k["ref"], local.strftime("%Y-%m-%d"), k["status"],
                             k["severity"]], (f, name)
            # category and customer whole, or cut with "…"
            for cell, whole in ((f[4], k["category"]), (f[5], k["customer_addr"])):
                assert cell == whole or (cell.endswith("…") and
                                         whole.startswith(cell[:-1])), (cell, whole)
        k1 = lines[ALL.index("K1")]
        assert "电水壶问题" in k1 and k1.endswith("…"), k1       # cut to fit
        assert columns(k1) >= 76, (columns(k1), k1)          # and the room used
        k3 = lines[ALL.index("K3")]
        assert 'Price, "double" charged?second line'.startswith(
            k3.split(None, 6)[6].rstrip("…")), k3
        k2 = lines[ALL.index("K2")]
        assert " 2026-03-02 " in k2, k2                      # local date
        assert k2.split()[5].endswith("…"), k2             # the address gave way
        assert lines[ALL.index("K4")].endswith(" 热水器漏水"), lines   # short: whole
        # alone, K4's line has room for everything
        one = ok(bindir, "list", "--ref", REF["K4"], conf=d.conf).splitlines()
        assert one == ["CMP-20260310-0001 2026-03-10 resolved B quality "
                       "wang@mail.example.cn 热水器漏水", "1 complaint"], one

        doc = json.loads(ok(bindir, "--json", "list", conf=d.conf))
        assert [NAME[x["ref"]] for x in doc] == ALL, doc
        keys = {"ref", "status", "category", "severity", "channel", "department",
                "assignee", "product", "order_no", "customer", "subject", "created",
                "updated", "taken_by"}
        for obj, name in zip(doc, ALL):
            k = FIXTURE[name]
            assert set(obj) == keys, sorted(obj)
            assert set(obj["customer"]) == {"name", "addr", "phone"}, obj["customer"]
            assert obj["taken_by"] is None and obj["customer"]["phone"] is None, obj
            assert obj["customer"]["addr"] == k["customer_addr"], obj
            assert obj["customer"]["name"] == (k["customer_name"] or None), obj
            assert obj["subject"] == k["subject"], obj            # whole, not cut
            assert obj["status"] == k["status"] and obj["severity"] == k["severity"], obj
            assert obj["category"] == k["category"] and obj["channel"] == k["channel"], obj
            assert obj["department"] == k["department"], obj
            assert obj["assignee"] == k.get("assignee"), obj
            assert obj["product"] is None and obj["order_no"] is None, obj
            assert iso_unix(obj["created"]) == utc(k["created_at"]), obj
            assert iso_unix(obj["updated"]) == utc(k["updated_at"]), obj
        # search gives the same shape
        doc = json.loads(ok(bindir, "search", "--json", "漏水", conf=d.conf))
        assert [set(x) for x in doc] == [keys, keys], doc
    finally:
        d.close()


def test_export(srv, bindir):
    """CSV and JSON exports, read back and compared with the database."""
    d, ids = setup(srv, bindir)
    tmp = tempfile.mkdtemp(prefix="ctd-export-")
    try:
        cols = table_columns(srv)
        assert "due_closure" in cols and "department" in cols, cols
        db = {r[0]: dict(zip(cols, r)) for r in
              query(srv, f"SELECT {', '.join(cols)} FROM complaints")}

        data = raw(bindir, "export", conf=d.conf)
        table = cols
        cols = table + FACT_COLS
        for r in db.values():
            r.update(dict.fromkeys(FACT_COLS))     # the fixture has no facts
        assert not data.startswith(b"\xef\xbb\xbf"), data[:10]
        assert data.startswith(",".join(cols).encode() + b"\r\n"), data[:200]
        assert data.endswith(b"\r\n"), data[-20:]
        # the subject with a comma, quotes and a newline is quoted, quotes doubled
        assert b'"Price, ""double"" charged\nsecond line"' in data, data
        # as are a comma alone and a CR alone
        assert b',"Cent, Per",' in data and b',"Li\rNa",' in data, data
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        assert rows[0] == cols, rows[0]
        body = [dict(zip(cols, r)) for r in rows[1:]]
        assert [NAME[r["ref"]] for r in body] == ALL, [r["ref"] for r in body]
        for r in body:
            assert len(r) == len(cols)
            want = db[int(r["id"])]
            for col in cols:
                v, w = r[col], want[col]
                if w is None:
                    assert v == "", (col, v)
                elif isinstance(w, datetime.datetime):
                    assert iso_unix(v) == utc(w), (col, v, w)
                else:
                    assert v == str(w), (col, v, w)
        k3 = next(r for r in body if r["ref"] == REF["K3"])
        assert k3["subject"] == K3_SUBJECT, k3["subject"]
        assert k3["assignee"] == "li.ming@staff.shop.example", k3
        k7 = next(r for r in body if r["ref"] == REF["K7"])
        assert k7["parent_id"] == str(ids["K2"]), k7

        # --bom: the same with a byte order mark in front
        bom = raw(bindir, "export", "--format", "csv", "--bom", conf=d.conf)
        assert bom == b"\xef\xbb\xbf" + data, bom[:10]

        # filters and order apply
        open_rows = list(csv.reader(io.StringIO(
            raw(bindir, "export", "--status", "open", "--sort", "severity",
                conf=d.conf).decode(), newline="")))
        assert [NAME[r[table.index("ref")]] for r in open_rows[1:]] == \
            ["K8", "K6", "K1", "K2", "K7", "K3"], open_rows
        none = raw(bindir, "export", "--ref", "NOPE", conf=d.conf)
        assert none == ",".join(cols).encode() + b"\r\n", none

        # JSON: one array of objects keyed by column, numbers as numbers
        doc = json.loads(raw(bindir, "export", "--format", "json", conf=d.conf))
        assert [NAME[x["ref"]] for x in doc] == ALL, doc
        for obj in doc:
            assert list(obj) == cols, list(obj)
            want = db[obj["id"]]
            for col in cols:
                v, w = obj[col], want[col]
                if w is None:
                    assert v is None, (col, v)
                elif isinstance(w, datetime.datetime):
                    assert iso_unix(v) == utc(w), (col, v, w)
                else:
                    assert v == w, (col, v, w)
        assert json.loads(raw(bindir, "--json", "export", conf=d.conf)) == doc
        assert json.loads(raw(bindir, "export", "--json", "--format", "json",
                              conf=d.conf)) == doc
        assert json.loads(raw(bindir, "export", "--format=json", "--ref", "NOPE",
                              conf=d.conf)) == []

        # --output: the same bytes in a file of mode 600, a line on stdout
        path = os.path.join(tmp, "complaints.csv")
        with open(path, "w") as f:
            f.write("an older export\n")
        rc, out, err = run(bindir, "export", "--bom", "--output", path, conf=d.conf)
        assert rc == 0 and out == f"8 complaints exported to {path}\n", (rc, out, err)
        with open(path, "rb") as f:
            assert f.read() == bom
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, oct(os.stat(path).st_mode)
        assert os.listdir(tmp) == ["complaints.csv"], os.listdir(tmp)
        jpath = os.path.join(tmp, "complaints.json")
        ok(bindir, "export", "--format", "json", "--output=" + jpath, "--severity", "A",
           conf=d.conf)
        with open(jpath) as f:
            assert [NAME[x["ref"]] for x in json.load(f)] == ["K8", "K6", "K1"]

        # a failed export leaves the file it would have replaced alone
        conn = srv.db.connect(autocommit=True)
        with conn.cursor() as cur:
            cur.execute("RENAME TABLE complaints TO complaints_away")
        conn.close()
        rc, out, err = run(bindir, "export", "--output", path, conf=d.conf)
        assert rc == 1 and out == "" and "complaintctl: export:" in err, (rc, out, err)
        with open(path, "rb") as f:
            assert f.read() == bom
        assert sorted(os.listdir(tmp)) == ["complaints.csv", "complaints.json"], \
            os.listdir(tmp)
        rc, out, err = run(bindir, "export", "--output",
                           os.path.join(tmp, "no-such-dir", "x.csv"), conf=d.conf)
        assert rc == 1 and "cannot create" in err, (rc, err)
    finally:
        d.close()
        subprocess.run(["rm", "-rf", tmp])


def test_usage(srv, bindir):
    """Usage errors: exit 2, a message that says what is wrong, nothing on
    stdout, and no database needed (the configuration is not even read)."""
    nowhere = "/nonexistent/complaintd.conf"
    for args, says in [
            (["list", "--bogus"], "unknown option '--bogus'"),
            (["list", "-x"], "unknown option '-x'"),
            (["list", "--status", "bogus"], "unknown status 'bogus'"),
            (["list", "--status", "new,,closed"], "unknown status ''"),
            (["list", "--severity", "D"], "'D' is not A, B or C"),
            (["list", "--severity", "AB"], "is not A, B or C"),
            (["list", "--from", "2026-02-30"], "bad date '2026-02-30'"),
            (["list", "--to", "yesterday"], "bad date 'yesterday'"),
            (["list", "--from", "2026-03-05", "--to", "2026-03-01"], "comes after"),
            (["list", "--limit", "-1"], "'-1' is not a number"),
            (["list", "--limit", "ten"], "'ten' is not a number"),
            (["list", "--sort", "priority"], "unknown order 'priority'"),
            (["list", "--category", "a", "--category", "b"], "--category given twice"),
            (["list", "--ref"], "--ref needs a value"),
            (["list", "--ref="], "--ref needs a value"),
            (["list", "--ref", "*"], "--ref needs a reference"),
            (["list", "--customer", "**"], "--customer needs an address"),
            (["list", "--overdue=yes"], "--overdue takes no value"),
            (["list", "漏水"], "unexpected argument '漏水'"),
            (["list", "--format", "csv"], "--format is an option of export"),
            (["search", "--output", "x"], "--output is an option of export"),
            (["search"], "needs the text to look for"),
            (["search", "a", "b"], "looks for one text"),
            (["search", ""], "is empty"),
            (["search", "\udcff"], "not valid UTF-8"),
            (["list", "--customer", "\udcfe@x"], "--customer: not valid UTF-8"),
            (["export", "extra"], "unexpected argument 'extra'"),
            (["export", "--format", "xml"], "unknown format 'xml'"),
            (["export", "--format", "json", "--bom"], "--bom is for CSV"),
            (["--json", "export", "--bom"], "--bom is for CSV"),
            (["--json", "export", "--format", "csv"], "--json and --format csv disagree"),
            (["export", "--output"], "--output needs a value")]:
        rc, out, err = run(bindir, *args, conf=nowhere)
        assert rc == 2 and says in err and out == "", (args, rc, out, err)
        cmd = next(a for a in args if not a.startswith("-"))
        assert f"complaintctl: {cmd}: " in err, (args, err)
        assert f"usage: complaintctl [-c FILE] {cmd} " in err and "--overdue" in err, \
            (args, err)   # the command's forms and filters


def test_database_errors(srv, bindir):
    """No database, or no schema: exit 1 with the reason, nothing on stdout."""
    # a schema that was never migrated
    d = Daemon(srv, bindir, mailboxes=[])
    try:
        for args in (["list"], ["search", "漏水"], ["export"], ["--json", "list"],
                     ["export", "--format", "json"]):
            rc, out, err = run(bindir, *args, conf=d.conf)
            assert rc == 1 and out == "", (args, rc, out, err)
            assert "complaints" in err and "doesn't exist" in err, (args, err)
    finally:
        d.close()
    # a server nobody listens at
    d = Daemon(srv, bindir, mailboxes=[])
    try:
        with open(d.conf) as f:
            text = f.read()
        with open(d.conf, "w") as f:
            f.write(text.replace(f"port = {srv.db.port}", f"port = {servers.free_port()}"))
        rc, out, err = run(bindir, "list", conf=d.conf)
        assert rc == 1 and out == "" and "database" in err, (rc, out, err)
        rc, out, err = run(bindir, "export", conf=d.conf)
        assert rc == 1 and out == "" and "database" in err, (rc, out, err)
    finally:
        d.close()


def test_export_formula_cells(srv, bindir):
    """CSV cells a spreadsheet would run as a formula (= + - @ tab CR first)
    get a ' before them and are quoted (OWASP CSV injection); JSON keeps the
    text as it is, and numbers stay numbers."""
    d, ids = setup(srv, bindir)
    hostile = {
        "K1": ("=HYPERLINK(\"http://evil.example/\",\"click\")", "+1 555 0100"),
        "K2": ("-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"),
        "K3": ("\tTab first", "\rCR first"),
        "K4": ("A normal - subject = fine", "Plain Name"),
    }
    try:
        conn = srv.db.connect(autocommit=True)
        with conn.cursor() as c:
            for k, (subject, name) in hostile.items():
                c.execute("UPDATE complaints SET subject = %s, customer_name = %s"
                          " WHERE id = %s", (subject, name, ids[k]))
        conn.close()
        data = raw(bindir, "export", conf=d.conf)
        assert b'"\'=HYPERLINK(""http://evil.example/"",""click"")"' in data, data
        assert b',"\'+1 555 0100",' in data, data
        assert b'"\'-2+3+cmd|\' /C calc\'!A0"' in data, data
        assert b'"\'@SUM(1+1)*cmd|\' /C calc\'!A0"' in data, data
        assert b'"\'\tTab first"' in data and b'"\'\rCR first"' in data, data
        assert b",A normal - subject = fine," in data and b",Plain Name," in data, data
        cols = table_columns(srv) + FACT_COLS
        rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
        for r in rows[1:]:
            row = dict(zip(cols, r))
            for col in cols:
                assert not row[col][:1] or row[col][0] not in "=+-@\t\r", (col, row)
        # JSON is no spreadsheet: the text unchanged
        doc = json.loads(raw(bindir, "export", "--format", "json", conf=d.conf))
        k1 = next(x for x in doc if x["id"] == ids["K1"])
        assert k1["subject"] == hostile["K1"][0], k1
    finally:
        d.close()


# the case facts some fixture complaints get in test_facts: name -> fact -> value
FACTS = {
    "K1": {"product": "电水壶 KT-200", "order_no": "20260301001", "phone": "13812345678",
           "demand": "refund"},
    "K2": {"product": "Blender BX-9", "order_no": "AB-77", "purchase_place": "Harrods"},
    "K5": {"order_no": "order_123", "demand": "refund"},
    "K8": {"product": "kettle kt-200 white", "purchase_date": "2026-03-30"},
}


def load_facts(srv, ids):
    conn = srv.db.connect(autocommit=True)
    with conn.cursor() as c:
        for k, facts in FACTS.items():
            for name, value in facts.items():
                c.execute("INSERT INTO complaint_facts (complaint_id, name, value, source,"
                          " created_at) VALUES (%s, %s, %s, 'form', NOW())",
                          (ids[k], name, value))
    conn.close()


def test_facts(srv, bindir):
    """Case facts in list (the product and order columns, shown when some
    complaint has one), --product (a part, any case) and --order (whole, or
    '*' at an end), JSON, export's fact_* columns, and --no-pii, which
    leaves out the order number, the place and the phone."""
    d, ids = setup(srv, bindir)
    try:
        c = d.conf
        # no facts yet: the list has no product or order columns
        one = ok(bindir, "list", "--ref", REF["K4"], conf=c).splitlines()
        assert one[0] == "CMP-20260310-0001 2026-03-10 resolved B quality " \
            "wang@mail.example.cn 热水器漏水", one
        load_facts(srv, ids)
        cases = [
            (["--product", "KT-200"], ["K8", "K1"]),        # a part, any case
            (["--product", "blender"], ["K2"]),
            (["--product", "%"], []),                       # % is no wildcard
            (["--product", "KT-200", "--severity", "A"], ["K8", "K1"]),
            (["--product", "KT-200", "--status", "new"], ["K1"]),
            (["--order", "AB-77"], ["K2"]),
            (["--order", "ab-77"], ["K2"]),                 # the column's collation
            (["--order", "AB-7"], []),                      # whole unless '*'
            (["--order", "2026*"], ["K1"]),
            (["--order", "*_123"], ["K5"]),
            (["--order", "*_12"], []),
            (["--product", "nothing-like-it"], []),
        ]
        for args, want in cases:
            assert names(bindir, c, "list", *args) == want, (args, want)
        assert names(bindir, c, "search", "--product", "kettle", "LEAKING") == ["K8"]
        # text: the columns appear, dashes where a complaint has none
        text = ok(bindir, "list", conf=c).splitlines()
        for line in text[:-1]:
            assert columns(line) <= 80, (columns(line), line)
        k4 = text[ALL.index("K4")].split()
        assert k4[5:7] == ["-", "-"], k4
        k2 = text[ALL.index("K2")]
        assert " Blen" in k2 and " AB-77 " in k2, k2        # cut to fit 80 columns
        # alone, K5 has an order but no product: only the order's column
        alone = ok(bindir, "list", "--ref", REF["K5"], conf=c).splitlines()[0]
        assert alone.split()[4:6] == ["other", "order_123"], alone
        nopii = ok(bindir, "list", "--ref", REF["K2"], "--no-pii", conf=c).splitlines()[0]
        assert "Blender BX-9" in nopii and "AB-77" not in nopii, nopii
        # JSON
        doc = {NAME[x["ref"]]: x for x in json.loads(ok(bindir, "--json", "list", conf=c))}
        assert doc["K1"]["product"] == "电水壶 KT-200", doc["K1"]
        assert doc["K1"]["order_no"] == "20260301001", doc["K1"]
        assert doc["K5"]["product"] is None and doc["K5"]["order_no"] == "order_123"
        doc = json.loads(ok(bindir, "--json", "list", "--no-pii", "--order", "AB-77", conf=c))
        assert doc[0]["product"] == "Blender BX-9" and "order_no" not in doc[0], doc
        # export: every fact in its column; --no-pii keeps only the anonymous ones
        rows = {NAME[x["ref"]]: x for x in
                json.loads(raw(bindir, "export", "--format", "json", conf=c))}
        for k in ALL:
            for col in FACT_COLS:
                assert rows[k][col] == FACTS.get(k, {}).get(col[5:]), (k, col, rows[k])
        data = raw(bindir, "export", "--order", "20260301001", conf=c).decode()
        got = list(csv.DictReader(io.StringIO(data, newline="")))
        assert len(got) == 1 and got[0]["fact_phone"] == "13812345678", got
        assert got[0]["fact_demand"] == "refund", got
        head = next(csv.reader(io.StringIO(raw(bindir, "export", "--no-pii",
                                               conf=c).decode())))
        assert {"fact_product", "fact_purchase_date", "fact_demand"} <= set(head), head
        assert not {"fact_order_no", "fact_phone", "fact_purchase_place"} & set(head), head
        # usage
        rc, out, err = run(bindir, "list", "--order", "*", conf=c)
        assert rc == 2 and "--order needs" in err, (rc, err)
        rc, out, err = run(bindir, "list", "--product", conf=c)
        assert rc == 2 and "--product needs a value" in err, (rc, err)
    finally:
        d.close()


TESTS = [test_filters, test_default_limit, test_search, test_text_and_json, test_export,
         test_export_formula_cells, test_facts,
         test_usage, test_database_errors]


def main():
    return run_tests("list", TESTS, sys.argv[1:], servers_kw={"imap": False},
                     reset_kw={"folders": ()})


if __name__ == "__main__":
    sys.exit(main())
