"""What the complaintctl suites (test_ctl, test_list, test_report) share:
complaintctl run against a test server (its output as text, failing on a
sanitizer report), terminal widths, MariaDB times, and a migrated database
with a suite's fixture loaded."""

import calendar as pycalendar
import os
import subprocess
import unicodedata

from daemon_env import Daemon

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")


def run(bindir, *args, conf=None, env=None):
    """complaintctl's (returncode, stdout, stderr) as text; env is added to
    this process's environment."""
    cmd = [os.path.join(bindir, "complaintctl")]
    if conf:
        cmd += ["-c", conf]
    r = subprocess.run(cmd + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=dict(os.environ, **(env or {})))
    out, err = r.stdout.decode(), r.stderr.decode()
    for mark in SANITIZER_MARKS:
        assert mark not in err, f"complaintctl {' '.join(args)}:\n{err}"
    return r.returncode, out, err


def ok(bindir, *args, **kw):
    """stdout of a complaintctl run that must exit 0."""
    rc, out, err = run(bindir, *args, **kw)
    assert rc == 0, f"complaintctl {' '.join(args)}: exit {rc}\n{out}\n{err}"
    return out


def raw(bindir, *args, conf=None, env=None):
    """stdout as bytes (exports), of a run that must exit 0."""
    cmd = [os.path.join(bindir, "complaintctl"), "-c", conf] + list(args)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=dict(os.environ, **(env or {})))
    assert r.returncode == 0, (args, r.returncode, r.stderr.decode())
    assert b"Sanitizer" not in r.stderr and b"runtime error:" not in r.stderr, r.stderr
    return r.stdout


def columns(line):
    """Terminal columns of a line: wide characters take two."""
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line)


def utc(dt):
    """A DATETIME read from MariaDB (UTC, naive) as unix seconds."""
    return None if dt is None else pycalendar.timegm(dt.utctimetuple())


def migrated(srv, bindir, load, extra=None):
    """A daemon configuration (not started) on a migrated database with
    load(srv) run: (Daemon, what load returned)."""
    d = Daemon(srv, bindir, mailboxes=[], extra=extra)
    d.migrate()
    return d, load(srv)
