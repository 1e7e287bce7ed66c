"""Running complaintd against the real test servers: config files, start,
stop, kill -9, and waiting on what it wrote to MariaDB and the SMTP sink.

Used by the end-to-end tests, the demo and the benchmark."""

import email
import email.header
import email.policy
import os
import signal
import socket
import subprocess
import tempfile
import time

import servers

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

COMPANY_FROM = "complaints@shop.example"
OTHER_OWN = "service@shop.example"

SANITIZER_MARKS = (b"ERROR: AddressSanitizer", b"runtime error:",
                   b"ERROR: LeakSanitizer")


def write_secret(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")


def rules_cache(bindir):
    """The compiled-prefilter cache the tests' daemons share (closed to
    others, as complaintd requires)."""
    path = os.path.join(os.path.abspath(bindir), "rules-cache")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


class Daemon:
    """One complaintd configured for the given servers.

    mailboxes: list of (name, dovecot user, folder, extra keys dict).
    web: True (or a dict of [web] keys) turns the web form on, on a free
    loopback port (self.web_port, self.url)."""

    def __init__(self, srv, bindir, mailboxes=None, extra=None,
                 rules_dir=None, web=None):
        self.srv = srv
        self.bindir = bindir
        self.dir = tempfile.mkdtemp(prefix="ctd-daemon-")
        self.conf = os.path.join(self.dir, "complaintd.conf")
        self.log = os.path.join(self.dir, "complaintd.log")
        self.proc = None
        self.logs_seen = []
        mailboxes = mailboxes if mailboxes is not None else [
            ("main", "alice", "INBOX", {})]
        extra = dict(extra or {})
        self.web_port = None
        self.url = None
        if web:
            self.web_port = servers.free_port()
            keys = {"listen": servers.LOOPBACK, "port": str(self.web_port)}
            keys.update(web if isinstance(web, dict) else {})
            keys.update(extra.get("web", {}))
            extra["web"] = keys
            self.web_port = int(keys["port"])
            self.url = f"http://{servers.LOOPBACK}:{self.web_port}"
        self.write_config(mailboxes, extra, rules_dir)

    def write_config(self, mailboxes, extra, rules_dir=None):
        db, dc, sink = self.srv.db, self.srv.dovecot, self.srv.sink
        write_secret(os.path.join(self.dir, "db.pw"), db.password)
        groups = {
            "daemon": {"log_level": "debug",
                       "rules_dir": rules_dir or os.path.join(ROOT, "rules"),
                       # shared by every daemon of every suite: the
                       # prefilter is compiled once per rule set, not at
                       # each of the hundreds of starts
                       "cache_dir": rules_cache(self.bindir),
                       "templates_dir": os.path.join(ROOT, "templates"),
                       "ref_prefix": "CMP", "default_lang": "zh"},
            "database": {"host": servers.LOOPBACK, "port": str(db.port),
                         "user": db.user, "password_file": "db.pw",
                         "name": db.database, "connect_timeout": "5s"},
            "smtp": {"url": f"smtp://{servers.LOOPBACK}:{sink.port}",
                     "tls": "none", "retry_min": "1s", "retry_max": "2s",
                     "timeout": "10s"},
            "company": {"name": "Example Shop 示例商城",
                        "from": COMPANY_FROM,
                        "addresses": f"{COMPANY_FROM}; {OTHER_OWN}"},
            "acknowledge": {"max_per_sender_per_hour": "1000"},
        }
        for group, keys in extra.items():
            groups.setdefault(group, {}).update(keys)
        lines = []
        for group, keys in groups.items():
            lines.append(f"[{group}]")
            lines += [f"{k} = {v}" for k, v in keys.items()]
            lines.append("")
        for name, user, folder, keys in mailboxes:
            write_secret(os.path.join(self.dir, f"{user}.pw"), dc.users[user])
            mb = {"url": f"imap://{servers.LOOPBACK}:{dc.port}",
                  "user": user, "password_file": f"{user}.pw",
                  "folder": folder, "poll_interval": "1s",
                  "starttls": "true", "ca_file": dc.ca["ca"],
                  "timeout": "20s"}
            mb.update(keys)
            lines.append(f"[mailbox {name}]")
            lines += [f"{k} = {v}" for k, v in mb.items()]
            lines.append("")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines))

    def ctl(self, *args, check=True):
        r = subprocess.run([os.path.join(self.bindir, "complaintctl"),
                            "-c", self.conf, *args],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if check and r.returncode != 0:
            raise AssertionError(f"complaintctl {' '.join(args)} failed "
                                 f"({r.returncode}): {r.stderr.decode()}")
        return r

    def migrate(self):
        self.ctl("db", "migrate")

    def start(self, env=None, wait=True, timeout=180):
        """env: extra environment variables (COMPLAINTD_CLOCK_OFFSET).
        wait: return only when the daemon said READY=1 on the NOTIFY_SOCKET
        we give it (as systemd would), or when it exited; loading a large
        rule set under the sanitizers takes seconds on a busy machine, and a
        test that acts before that measures nothing."""
        assert self.proc is None or self.proc.poll() is not None
        notify = self._notify_socket()
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [os.path.join(self.bindir, "complaintd"), "-c", self.conf],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
            env=dict(os.environ, NOTIFY_SOCKET=self.notify_path, **(env or {})))
        logf.close()
        if wait:
            self.wait_ready(timeout)
        return self.proc

    def _notify_socket(self):
        """A fresh datagram socket for sd_notify (left-over messages of a
        previous run must not count as this run's readiness)."""
        if getattr(self, "notify", None):
            self.notify.close()
        self.notify_path = os.path.join(self.dir, "notify.sock")
        if os.path.exists(self.notify_path):
            os.unlink(self.notify_path)
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.notify_path)
        return self.notify

    def wait_ready(self, timeout=180):
        """Until READY=1, or the process ended (its exit status is then the
        caller's to check)."""
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                return False
            self.notify.settimeout(0.2)
            try:
                data = self.notify.recv(4096)
            except socket.timeout:
                continue
            if b"READY=1" in data.split(b"\n"):
                return True
        raise AssertionError(f"complaintd not ready after {timeout}s:\n"
                             + self.log_text()[-3000:].decode("utf-8", "replace"))

    def rounds_done(self):
        return self.log_text().count(b"scheduler round=")

    def wait_rounds(self, n=2, timeout=120):
        """Until the scheduler finished n more rounds than it had now (the
        daemon logs at debug level in the tests): instead of sleeping for
        'long enough' before asserting that nothing more happened."""
        target = self.rounds_done() + n
        wait_for(f"{n} scheduler rounds", lambda: self.rounds_done() >= target
                 or not self.alive(), timeout, 0.1)
        assert self.alive(), "complaintd ended while waiting for scheduler rounds"

    def wait_web(self, timeout=30):
        """Until the web listener answers /healthz (any status)."""
        servers.wait_port(self.web_port, self.proc, timeout, "complaintd web",
                          self.log)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout=60):
        """SIGTERM and wait; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                threads = self._threads()
                self.proc.kill()
                self.proc.wait()
                tail = "\n".join(self.log_text().decode("utf-8", "replace").splitlines()[-40:])
                raise AssertionError(f"complaintd did not stop on SIGTERM within {timeout} s; "
                                     f"its threads (name state wait-channel):\n{threads}\n"
                                     f"the end of its log:\n{tail}")
        return self.proc.returncode

    def _threads(self):
        """Each thread of the daemon: name, state and the kernel function it
        waits in, from /proc (what a stop that hangs is waiting for)."""
        out = []
        task = f"/proc/{self.proc.pid}/task"
        try:
            tids = sorted(os.listdir(task), key=int)
        except OSError:
            return "(gone)"
        for tid in tids:
            def read(name):
                try:
                    with open(os.path.join(task, tid, name)) as f:
                        return f.read().strip()
                except OSError:
                    return "?"
            state = read("stat").rsplit(")", 1)[-1].split()[:1]
            out.append(f"  {tid} {read('comm')} {state[0] if state else '?'} {read('wchan')}")
        return "\n".join(out)

    def log_text(self):
        with open(self.log, "rb") as f:
            return f.read()

    def assert_clean_log(self):
        text = self.log_text()
        for mark in SANITIZER_MARKS:
            if mark in text:
                i = text.index(mark)
                raise AssertionError("sanitizer report in complaintd log:\n" +
                                     text[max(0, i - 2000):i + 4000].decode(
                                         "utf-8", "replace"))

    def close(self):
        if self.alive():
            self.stop()
        if getattr(self, "notify", None):
            self.notify.close()
            self.notify = None
        global LAST_LOG
        try:
            LAST_LOG = self.log_text()
        except OSError:
            LAST_LOG = b""
        subprocess.run(["rm", "-rf", self.dir])


LAST_LOG = b""


def last_log_tail(n=40):
    """The end of the last closed daemon's log, for a failing test's report."""
    lines = [line for line in LAST_LOG.decode("utf-8", "replace").splitlines()
             if " debug: imap command=" not in line]  # the poll's chatter
    return "\n".join(lines[-n:])


# ---- the database, read with pymysql -----------------------------------

def query(srv, sql, args=None):
    conn = srv.db.connect()
    try:
        with conn.cursor() as c:
            c.execute(sql, args)
            return c.fetchall()
    finally:
        conn.close()


def execute_sql(srv, sql, args=None):
    """A change to the database, committed (query() only reads)."""
    conn = srv.db.connect()
    try:
        with conn.cursor() as c:
            c.execute(sql, args)
        conn.commit()
    finally:
        conn.close()


def scalar(srv, sql, args=None):
    rows = query(srv, sql, args)
    return rows[0][0] if rows else None


def reset(srv, folders=(("alice", "INBOX"), ("bob", "INBOX"))):
    """A fresh database and empty mailboxes and sink, between tests."""
    db = srv.db
    conn = db._root_conn()
    with conn.cursor() as c:
        c.execute(f"DROP DATABASE IF EXISTS `{db.database}`")
        c.execute(f"CREATE DATABASE `{db.database}` CHARACTER SET utf8mb4 "
                  "COLLATE utf8mb4_unicode_ci")
    conn.close()
    for user, folder in folders:
        empty_folder(srv, user, folder)
    srv.sink.clear()
    srv.sink.control({"reject": [], "tempfail": False, "tempfail_data": None,
                      "delay_data": None})


def empty_folder(srv, user, folder):
    c = srv.dovecot.imap(user)
    try:
        typ, data = c.select(servers._q(folder))
        if typ == "OK" and int(data[0]) > 0:
            c.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
            c.expunge()
    finally:
        c.logout()


def wait_for(what, fn, timeout=120, interval=0.25):
    """Poll fn until it returns a true value; AssertionError on timeout."""
    end = time.time() + timeout
    last = None
    while time.time() < end:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} "
                         f"(last: {last!r})")


def outbox_settled(srv):
    """Nothing waits in the outbox: every mail the daemon queued was sent or
    given up, so the sink holds all it will get for what happened so far."""
    return scalar(srv, "SELECT COUNT(*) FROM outbox "
                  "WHERE status IN ('pending', 'sending')") == 0


def wait_settled(srv, timeout=60):
    try:
        wait_for("outbox settled", lambda: outbox_settled(srv), timeout, 0.1)
    except AssertionError as e:
        try:
            why = outbox_waiting(srv)
        except Exception as q:  # the database may be what is gone
            why = f"(could not read the outbox: {q})"
        raise AssertionError(f"{e}\n{why}") from None


def outbox_waiting(srv):
    """What still waits in the outbox and what holds the database, to say
    why a wait for the outbox timed out."""
    rows = query(srv, "SELECT id, kind, rcpt, status, attempts, next_attempt_at, "
                 "claimed_by, claimed_until, last_error, NOW(6) FROM outbox "
                 "WHERE status IN ('pending', 'sending')")
    out = ["outbox rows waiting (id kind rcpt status attempts next claimed_by "
           "claimed_until last_error now):"]
    out += ["  " + " ".join(map(str, r)) for r in rows]
    root = srv.db._root_conn()
    try:
        with root.cursor() as c:
            c.execute("SELECT id, user, command, time, state, LEFT(info, 200) "
                      "FROM information_schema.PROCESSLIST WHERE command <> 'Sleep'")
            out.append("database sessions at work:")
            out += ["  " + " ".join(map(str, r)) for r in c.fetchall()]
            c.execute("SELECT * FROM information_schema.INNODB_LOCK_WAITS")
            out.append("lock waits: " + repr(c.fetchall()))
    finally:
        root.close()
    return "\n".join(out)


def complaints(srv):
    return scalar(srv, "SELECT COUNT(*) FROM complaints") or 0


# ---- mail at the sink ----------------------------------------------------

def parse_mail(data):
    return email.message_from_bytes(data, policy=email.policy.default)


def decoded_subject(msg):
    return str(email.header.make_header(
        email.header.decode_header(msg["Subject"] or "")))


def acks(srv, kind="ack"):
    """Parsed mails at the sink of one outbox kind (acknowledgements by
    default; "notify", "relay", "escalation", ...): our Message-IDs start
    with the kind."""
    out = []
    for m in srv.sink.messages():
        msg = parse_mail(m["data"])
        if msg["X-Complaintd-Ref"] is not None and \
                msgid(msg["Message-ID"]).startswith(kind + "."):
            msg.envelope = m
            out.append(msg)
    return out


def run_tests(label, tests, argv, servers_kw=None, reset_kw=None):
    """The runner of a test script: argv = [BINDIR, TEST ...]; every test
    gets fresh servers state; a failure prints its traceback and the end of
    the daemon's log. Returns the exit status."""
    import traceback
    bindir = os.path.abspath(argv[0])
    only = set(argv[1:])
    tests = [t for t in tests if not only or t.__name__ in only]
    failed = []
    with servers.Servers(**(servers_kw or {})) as srv:
        for t in tests:
            reset(srv, **(reset_kw or {}))
            start = time.time()
            print(f"  {t.__name__} ...", flush=True)
            try:
                t(srv, bindir)
                print(f"  ok   {t.__name__} ({time.time() - start:.1f}s)", flush=True)
            except Exception:
                failed.append(t.__name__)
                print(f"  FAIL {t.__name__} ({time.time() - start:.1f}s)", flush=True)
                traceback.print_exc()
                print("  --- end of complaintd's log ---\n" + last_log_tail())
    print(f"{label}: {len(tests) - len(failed)}/{len(tests)} passed"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def msgid(value):
    return (value or "").strip().strip("<>")
