#!/usr/bin/python3
"""`complaintctl rules reclassify` against a real MariaDB.

Stores complaints classified by "old rules" (everything other/C), with the
raw mails of the eval corpus as their first inbound message, then checks:
the dry run lists the changes and writes nothing; the real run updates the
open complaints (not resolved/closed ones, not ones older than --since, not
ones whose classification staff decided with #category/#severity) and
records one "reclassified" event each; a second run finds nothing to do.

Usage: /usr/bin/python3 tests/integration/test_reclassify.py [BUILD_DIR]
(BUILD_DIR holds complaintctl; default build/asan)."""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import servers  # noqa: E402

EVAL = os.path.join(ROOT, "tests", "data", "eval")

# file, status, created (all stored as other/C by the "old rules")
CASES = [
    ("p03_charged_twice.eml", "new", "2025-02-01 10:00:00"),          # -> price C
    ("q05_kettle_shock.eml", "in_progress", "2025-02-02 10:00:00"),   # -> quality A
    ("s05_hotline_12315.eml", "acknowledged", "2025-02-03 10:00:00"), # -> service B
    ("o01_store_hours.eml", "new", "2025-02-04 10:00:00"),            # stays other C
    ("i01_fake_earphones.eml", "closed", "2025-02-05 10:00:00"),      # closed: untouched
    ("q03_blender_jar.eml", "reopened", "2024-12-01 10:00:00"),       # before --since
    ("q05_kettle_shock.eml", "in_progress", "2025-02-07 10:00:00"),   # staff decided: untouched
]
STAFF_DECIDED = {"T-0007": "severity"}


def write_secret(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")


def write_config(db, d):
    write_secret(os.path.join(d, "db.pw"), db.password)
    conf = os.path.join(d, "complaintd.conf")
    with open(conf, "w") as f:
        f.write(f"""[daemon]
rules_dir = {os.path.join(ROOT, "rules")}
templates_dir = {os.path.join(ROOT, "templates")}
[database]
host = {servers.LOOPBACK}
port = {db.port}
user = {db.user}
password_file = db.pw
name = {db.database}
[company]
name = Example Shop
from = complaints@shop.example
""")
    return conf


def ctl(bindir, conf, *args):
    r = subprocess.run([os.path.join(bindir, "complaintctl"), "-c", conf, *args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise AssertionError(f"complaintctl {' '.join(args)}: {r.returncode}\n"
                             f"{r.stdout}\n{r.stderr}")
    # never a progress line when stderr is not a terminal
    assert "\r" not in r.stderr, repr(r.stderr)
    return r.stdout


def seed(conn):
    with conn.cursor() as c:
        for i, (name, status, created) in enumerate(CASES, 1):
            with open(os.path.join(EVAL, name), "rb") as f:
                raw = f.read()
            c.execute("INSERT INTO complaints (ref, channel, status, category,"
                      " severity, route, subject, created_at, updated_at)"
                      " VALUES (%s, 'email', %s, 'other', 'C',"
                      " 'complaints-office', %s, %s, %s)",
                      (f"T-{i:04d}", status, name, created, created))
            cid = c.lastrowid
            c.execute("UPDATE complaints SET staff_decided = %s WHERE id = %s",
                      (STAFF_DECIDED.get(f"T-{i:04d}", ""), cid))
            c.execute("INSERT INTO messages (complaint_id, direction, channel,"
                      " received_at) VALUES (%s, 'in', 'email', %s)", (cid, created))
            c.execute("INSERT INTO message_raw (message_row_id, raw) VALUES (%s, %s)",
                      (c.lastrowid, raw))
            # a later outbound message must not be the one classified
            c.execute("INSERT INTO messages (complaint_id, direction, channel,"
                      " body, received_at) VALUES (%s, 'out', 'email',"
                      " 'lawsuit journalist 起诉 记者', %s)", (cid, created))
    conn.commit()


def state(conn):
    with conn.cursor() as c:
        c.execute("SELECT ref, category, severity, route FROM complaints ORDER BY ref")
        rows = {r[0]: r[1:] for r in c.fetchall()}
        c.execute("SELECT c.ref, e.kind, e.detail, e.actor FROM events e"
                  " JOIN complaints c ON c.id = e.complaint_id ORDER BY c.ref")
        events = c.fetchall()
    conn.commit()
    return rows, events


def main():
    bindir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "asan")
    with servers.MariaDB() as db, tempfile.TemporaryDirectory() as d:
        conf = write_config(db, d)
        ctl(bindir, conf, "db", "migrate")
        conn = db.connect()
        seed(conn)
        before = state(conn)

        out = ctl(bindir, conf, "rules", "reclassify", "--since", "2025-01-01",
                  "--dry-run")
        print(out, end="")
        assert state(conn) == before, "dry run wrote something"
        for ref in ("T-0001", "T-0002", "T-0003"):
            assert ref in out and "would change" in out, (ref, out)
        for ref in ("T-0004", "T-0005", "T-0006", "T-0007"):
            assert ref not in out, (ref, out)
        assert "4 open complaints" in out, out

        doc = json.loads(ctl(bindir, conf, "--json", "rules", "reclassify",
                             "--since", "2025-01-01"))
        assert doc["changed"] == 3 and doc["applied"] == 3 and doc["ok"], doc
        rows, events = state(conn)
        assert rows["T-0001"] == ("price", "C", "marketing"), rows["T-0001"]
        assert rows["T-0002"][:2] == ("quality", "A"), rows["T-0002"]
        assert rows["T-0003"] == ("service", "B", "customer-service"), rows["T-0003"]
        for ref in ("T-0004", "T-0005", "T-0006", "T-0007"):
            assert rows[ref] == before[0][ref], (ref, rows[ref])
        assert [e[0] for e in events] == ["T-0001", "T-0002", "T-0003"], events
        assert all(e[1] == "reclassified" and e[3].startswith("complaintctl")
                   for e in events), events
        assert events[0][2].startswith("category other→price"), events[0]
        assert "severity C→A" in events[1][2], events[1]

        # without --since the old reopened complaint is included too
        again = ctl(bindir, conf, "rules", "reclassify")
        assert "5 open complaints" in again and "1 changed" in again, again
        assert "T-0006" in again and "T-0005" not in again and "T-0007" not in again, again
        # and a third run has nothing left to do
        third = ctl(bindir, conf, "rules", "reclassify")
        assert "0 changed" in third, third
        conn.close()
    print("test_reclassify: ok")


if __name__ == "__main__":
    main()
