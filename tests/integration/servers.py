#!/usr/bin/python3
"""servers - real test servers on free loopback ports, in a private temp dir.

    from servers import Servers
    with Servers() as s:              # MariaDB + Dovecot + SMTP sink
        env = s.env()                 # CTD_* variables for the programs
        s.dovecot.append("alice", "INBOX", raw_bytes)
        s.db.stop(); time.sleep(30); s.db.start()
        s.sink.messages()

Each class (MariaDB, Dovecot, SmtpSink) also works alone, has start(),
stop(), restart() and is a context manager. Every server listens on
127.0.0.1 only, on a free port (see free_port); its files live under a
tempfile.mkdtemp() directory that is removed when it is closed. Servers
are torn down at interpreter exit and on SIGINT/SIGTERM, so a failing or
interrupted test leaves no process and no directory behind.

Debian packages used: mariadb-server, dovecot-imapd, openssl,
python3-aiosmtpd, python3-pymysql. Runs as root (CI) or as a normal user.
"""

import atexit
import imaplib
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import weakref

LOOPBACK = "127.0.0.1"
HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------
# process-wide cleanup

_live = weakref.WeakSet()
_handlers_installed = False


def _cleanup_all():
    for obj in list(_live):
        try:
            obj.close()
        except Exception as e:  # keep tearing down the others
            print(f"servers: cleanup of {obj!r} failed: {e}", file=sys.stderr)


def _on_signal(signum, frame):
    _cleanup_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _register(obj):
    global _handlers_installed
    _live.add(obj)
    if not _handlers_installed:
        _handlers_installed = True
        atexit.register(_cleanup_all)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            try:
                signal.signal(sig, _on_signal)
            except ValueError:  # not the main thread
                pass
        # SIGINT raises KeyboardInterrupt; context managers and atexit
        # take care of it.


# tests/integration/run starts suites side by side and gives each a slot
# number. Port 0 would let the kernel hand two suites the same port in the
# moment between free_port() and the server's own bind; a slot instead takes
# its ports from a range of its own below the ephemeral range (32768-), so
# suites never meet. Without a slot the kernel picks, as before.
_SLOT_PORTS = 2000
_SLOT_BASE = 20000
_next_port = None


def _slot_port():
    global _next_port
    slot = int(os.environ["INTEGRATION_SLOT"])
    first = _SLOT_BASE + slot * _SLOT_PORTS
    if _next_port is None:
        _next_port = first
    for _ in range(_SLOT_PORTS):
        port = _next_port
        _next_port = first + (_next_port + 1 - first) % _SLOT_PORTS
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((LOOPBACK, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in slot {slot} ({first}-)")


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    if os.environ.get("INTEGRATION_SLOT", "").isdigit():
        return _slot_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def wait_port(port, proc=None, timeout=30.0, what="server", log=None):
    """Wait until 127.0.0.1:port accepts a connection."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}"
                               + _tail(log))
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port}" + _tail(log))


def _tail(path, n=30):
    if not path or not os.path.exists(path):
        return ""
    with open(path, "rb") as f:
        lines = f.read().decode("utf-8", "replace").splitlines()[-n:]
    return "\n--- " + path + " ---\n" + "\n".join(lines)


def _stop_proc(proc, sig=signal.SIGTERM, timeout=20.0):
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(sig)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class _Server:
    """Common start/stop/context-manager plumbing; one temp dir per server."""

    name = "server"

    def __init__(self, root=None):
        self._own_root = root is None
        self.root = root or tempfile.mkdtemp(prefix=f"ctd-{self.name}-")
        os.makedirs(self.root, exist_ok=True)
        self.proc = None
        self._closed = False
        _register(self)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def restart(self):
        self.stop()
        self.start()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL: a crash, no clean shutdown."""
        _stop_proc(self.proc, signal.SIGKILL)
        self.proc = None

    def stop(self):
        _stop_proc(self.proc)
        self.proc = None

    def close(self):
        """Stop and remove the directory; the object is unusable after."""
        if self._closed:
            return
        self._closed = True
        self.stop()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)
        _live.discard(self)


# ---------------------------------------------------------------------------
# MariaDB


class MariaDB(_Server):
    name = "mariadb"

    def __init__(self, root=None, database="complaintd", user="complaintd"):
        super().__init__(root)
        self.port = free_port()
        self.datadir = os.path.join(self.root, "data")
        self.tmpdir = os.path.join(self.root, "tmp")
        self.socket = os.path.join(self.root, "mysqld.sock")
        self.log = os.path.join(self.root, "mariadb.err")
        self.database = database
        self.user = user
        self.password = "pw-" + secrets.token_hex(8)
        self._installed = False

    def _install(self):
        os.makedirs(self.datadir, exist_ok=True)
        os.makedirs(self.tmpdir, exist_ok=True)
        # A private tmpdir: bootstrap servers of suites running side by side
        # otherwise share /tmp, where one removed another's temporary table
        # file ("Could not remove temporary table '/tmp/#sql-temptable-…'").
        cmd = ["mariadb-install-db", "--no-defaults",
               "--auth-root-authentication-method=normal",
               "--datadir=" + self.datadir, "--tmpdir=" + self.tmpdir,
               "--skip-test-db",
               "--skip-name-resolve"]
        if os.geteuid() == 0:
            cmd.append("--user=root")
        r = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise RuntimeError("mariadb-install-db failed:\n" + r.stdout)
        self._installed = True

    def start(self):
        if self.running():
            return
        first = not self._installed
        if first:
            self._install()
        cmd = ["mariadbd", "--no-defaults", "--datadir=" + self.datadir,
               "--tmpdir=" + self.tmpdir,
               "--socket=" + self.socket, "--port=%d" % self.port,
               "--bind-address=" + LOOPBACK, "--skip-name-resolve",
               "--pid-file=" + os.path.join(self.root, "mysqld.pid"),
               "--log-error=" + self.log,
               "--innodb-buffer-pool-size=64M",
               "--innodb-log-file-size=32M",
               "--innodb-flush-log-at-trx-commit=1",
               "--character-set-server=utf8mb4",
               "--collation-server=utf8mb4_unicode_ci",
               "--max-connections=200",
               "--skip-log-bin", "--skip-symbolic-links"]
        if os.geteuid() == 0:
            cmd.append("--user=root")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc, 60, "mariadbd", self.log)
        if first:
            self._bootstrap()

    def _root_conn(self):
        import pymysql
        return pymysql.connect(unix_socket=self.socket, user="root",
                               autocommit=True)

    def _bootstrap(self):
        conn = self._root_conn()
        with conn.cursor() as c:
            c.execute(f"CREATE DATABASE `{self.database}` CHARACTER SET "
                      "utf8mb4 COLLATE utf8mb4_unicode_ci")
            for host in ("127.0.0.1", "localhost"):
                c.execute(f"CREATE USER '{self.user}'@'{host}' "
                          "IDENTIFIED BY %s", (self.password,))
                c.execute(f"GRANT ALL ON `{self.database}`.* TO "
                          f"'{self.user}'@'{host}'")
        conn.close()

    def stop(self):
        """Clean shutdown (SIGTERM; InnoDB flushes)."""
        _stop_proc(self.proc, signal.SIGTERM, 60)
        self.proc = None

    def connect(self, **kw):
        """A pymysql connection as the application user."""
        import pymysql
        return pymysql.connect(host=LOOPBACK, port=self.port, user=self.user,
                               password=self.password, database=self.database,
                               charset="utf8mb4", **kw)

    def env(self):
        return {"CTD_DB_HOST": LOOPBACK, "CTD_DB_PORT": str(self.port),
                "CTD_DB_USER": self.user, "CTD_DB_PASSWORD": self.password,
                "CTD_DB_NAME": self.database,
                "CTD_DB_SOCKET": self.socket}


# ---------------------------------------------------------------------------
# Private CA for TLS tests


def make_ca(directory):
    """A private CA and a server certificate for 127.0.0.1 and localhost,
    plus an unrelated 'wrong' CA; returns a dict of file paths."""
    os.makedirs(directory, exist_ok=True)
    p = {k: os.path.join(directory, k + ".pem") for k in
         ("ca", "ca-key", "cert", "key", "wrong-ca", "wrong-ca-key",
          "self", "self-key")}

    def run(*args):
        r = subprocess.run(["openssl", *args], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise RuntimeError("openssl " + " ".join(args) + "\n" + r.stdout)

    for ca, key, cn in (("ca", "ca-key", "complaintd test CA"),
                        ("wrong-ca", "wrong-ca-key", "unrelated CA")):
        run("req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=" + cn, "-keyout", p[key], "-out", p[ca],
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    csr = os.path.join(directory, "server.csr")
    ext = os.path.join(directory, "server.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "basicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-subj", "/CN=localhost", "-keyout", p["key"], "-out", csr)
    run("x509", "-req", "-in", csr, "-CA", p["ca"], "-CAkey", p["ca-key"],
        "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", p["cert"])
    # a self-signed server certificate (no CA), for "verify by default" tests
    run("req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
        "-subj", "/CN=localhost", "-keyout", p["self-key"], "-out", p["self"],
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost")
    for k in ("key", "self-key"):
        os.chmod(p[k], 0o644)  # read by unprivileged server processes
    return p


# ---------------------------------------------------------------------------
# Dovecot

DOVECOT_CONF = """\
# private test instance; nothing outside {root} is used
base_dir = {root}/run
state_dir = {root}/state
instance_name = ctd-test-{port}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
# XOAUTH2 only, as Microsoft 365 offers it (no OAUTHBEARER)
auth_mechanisms = plain login xoauth2
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_uid = {uid}
mail_gid = {gid}
mail_privileged_group =
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
{oauth_passdb}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
    ssl = yes
  }}
  process_min_avail = 1
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service submission-login {{
  inet_listener submission {{
    port = 0
  }}
}}
service lmtp {{
  unix_listener lmtp {{
    mode = 0600
  }}
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
"""

OAUTH_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2
  args = {root}/oauth2.conf
}}
"""

# Dovecot validates JWTs itself with a local key ("introspection_mode =
# local"): no identity provider is needed to test XOAUTH2.
OAUTH_CONF = """\
introspection_mode = local
local_validation_key_dict = fs:posix:prefix={root}/oauth-keys/
username_attribute = sub
issuers = complaintd-test
"""


def _b64url(b):
    import base64
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Dovecot(_Server):
    name = "dovecot"

    def __init__(self, root=None, users=None, ca=None):
        super().__init__(root)
        os.chmod(self.root, 0o755)  # mail processes run unprivileged
        self.port = free_port()
        self.ssl_port = free_port()
        self.users = dict(users or {"alice": "alice-secret",
                                    "bob": "bob-secret"})
        self.conf = os.path.join(self.root, "dovecot.conf")
        self.log = os.path.join(self.root, "dovecot.log")
        self.ca = ca
        self.oauth_key = secrets.token_bytes(32)
        self._configured = False

    def _configure(self):
        if self.ca is None:
            self.ca = make_ca(os.path.join(self.root, "tls"))
        for d in ("run", "state", "mail", "oauth-keys/default/HS256"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        if os.geteuid() == 0:
            uid, gid = 65534, 65534  # nobody:nogroup; Dovecot refuses root
            os.chown(os.path.join(self.root, "mail"), uid, gid)
        else:
            uid, gid = os.getuid(), os.getgid()
        with open(os.path.join(self.root, "users"), "w") as f:
            for u, pw in self.users.items():
                f.write(f"{u}:{pw}\n")
        import base64
        with open(os.path.join(self.root, "oauth-keys/default/HS256/default"),
                  "w") as f:
            f.write(base64.b64encode(self.oauth_key).decode())
        with open(os.path.join(self.root, "oauth2.conf"), "w") as f:
            f.write(OAUTH_CONF.format(root=self.root))
        with open(self.conf, "w") as f:
            f.write(DOVECOT_CONF.format(
                root=self.root, cert=self.ca["cert"], key=self.ca["key"],
                port=self.port, ssl_port=self.ssl_port, uid=uid, gid=gid,
                oauth_passdb=OAUTH_PASSDB.format(root=self.root)))
        self._configured = True

    def oauth_token(self, user, lifetime=3600):
        """A signed JWT bearer token Dovecot accepts for user (XOAUTH2)."""
        import hashlib
        import hmac
        now = int(time.time())
        head = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64url(json.dumps({"sub": user, "iss": "complaintd-test",
                                   "iat": now - 5, "nbf": now - 5,
                                   "exp": now + lifetime}).encode())
        sig = hmac.new(self.oauth_key, f"{head}.{body}".encode(),
                       hashlib.sha256).digest()
        return f"{head}.{body}.{_b64url(sig)}"

    def start(self):
        if self.running():
            return
        if not self._configured:
            self._configure()
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", self.conf],
                                     stdin=subprocess.DEVNULL,
                                     stdout=open(self.log + ".out", "ab"),
                                     stderr=subprocess.STDOUT)
        wait_port(self.port, self.proc, 30, "dovecot", self.log)
        wait_port(self.ssl_port, self.proc, 30, "dovecot", self.log)

    def stop(self):
        _stop_proc(self.proc, signal.SIGTERM, 20)
        self.proc = None

    # ---- helpers that talk real IMAP -----------------------------------
    def imap(self, user):
        """A logged-in imaplib connection (plaintext on loopback)."""
        c = imaplib.IMAP4(LOOPBACK, self.port)
        c.login(user, self.users[user])
        return c

    def create_folder(self, user, folder):
        c = self.imap(user)
        try:
            typ, _ = c.create(_q(folder))
            return typ == "OK"
        finally:
            c.logout()

    def append(self, user, folder, raw, flags=None, conn=None):
        """APPEND raw bytes; returns the new UID (from APPENDUID)."""
        c = conn or self.imap(user)
        try:
            typ, data = c.append(_q(folder), flags, None, raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND failed: {data!r}")
            code = c.response("APPENDUID")[1]
            if code and code[0]:
                return int(code[0].split()[1])
            return None
        finally:
            if conn is None:
                c.logout()

    def append_many(self, user, folder, raws):
        """APPEND each message over one connection; returns the UIDs."""
        c = self.imap(user)
        try:
            return [self.append(user, folder, r, conn=c) for r in raws]
        finally:
            c.logout()

    def flags(self, user, folder="INBOX"):
        """{uid: set of flags} for every message in folder."""
        c = self.imap(user)
        try:
            typ, _ = c.select(_q(folder), readonly=True)
            if typ != "OK":
                return {}
            typ, data = c.uid("FETCH", "1:*", "(UID FLAGS)")
            out = {}
            for item in data or []:
                if not item:
                    continue
                s = item.decode() if isinstance(item, bytes) else item[0].decode()
                uid = int(s.split("UID ")[1].split()[0].rstrip(")"))
                fl = s.split("FLAGS (")[1].split(")")[0].split()
                out[uid] = set(fl)
            return out
        finally:
            c.logout()

    def seen_count(self, user, folder="INBOX"):
        return sum(1 for f in self.flags(user, folder).values()
                   if "\\Seen" in f)

    def count(self, user, folder="INBOX"):
        c = self.imap(user)
        try:
            typ, data = c.select(_q(folder), readonly=True)
            return int(data[0]) if typ == "OK" else 0
        finally:
            c.logout()

    def fetch_raw(self, user, folder, uid):
        c = self.imap(user)
        try:
            c.select(_q(folder), readonly=True)
            typ, data = c.uid("FETCH", str(uid), "(BODY.PEEK[])")
            return data[0][1]
        finally:
            c.logout()

    def env(self, user="alice"):
        return {"CTD_IMAP_URL": f"imap://{LOOPBACK}:{self.port}",
                "CTD_IMAPS_URL": f"imaps://{LOOPBACK}:{self.ssl_port}",
                "CTD_IMAP_USER": user,
                "CTD_IMAP_PASSWORD": self.users[user],
                "CTD_CA_FILE": self.ca["ca"],
                "CTD_WRONG_CA_FILE": self.ca["wrong-ca"]}


def _q(folder):
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---------------------------------------------------------------------------
# SMTP sink


class SmtpSink(_Server):
    """aiosmtpd in a subprocess (smtp_sink.py) writing NNNNNN.eml + .json.

    reject(addrs) makes RCPT TO of those addresses fail with 550 5.1.1;
    tempfail(True) makes every RCPT fail with 451 4.3.0. With tls=True the
    sink offers STARTTLS (private CA) and AUTH PLAIN/LOGIN for
    user/password after STARTTLS."""

    name = "smtp"

    def __init__(self, root=None, tls=False, ca=None, user="mailer",
                 password=None, program=None):
        super().__init__(root)
        self.program = program  # another receiver taking --port and --dir
        self.port = free_port()
        self.dir = os.path.join(self.root, "spool")
        os.makedirs(self.dir, exist_ok=True)
        self.log = os.path.join(self.root, "sink.log")
        self.tls = tls
        self.ca = ca
        self.user = user
        self.password = password or "smtp-" + secrets.token_hex(6)
        self.control({"reject": [], "tempfail": False, "tempfail_data": None,
                      "delay_data": None})

    def start(self):
        if self.running():
            return
        cmd = [self.program] if self.program else [sys.executable, os.path.join(HERE, "smtp_sink.py")]
        cmd += ["--port", str(self.port), "--dir", self.dir,
                "--user", self.user, "--password", self.password]
        if self.tls:
            if self.ca is None:
                self.ca = make_ca(os.path.join(self.root, "tls"))
            cmd += ["--cert", self.ca["cert"], "--key", self.ca["key"]]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT)
        wait_port(self.port, self.proc, 20, "smtp sink", self.log)

    def control(self, ctl):
        tmp = os.path.join(self.dir, ".control.tmp")
        with open(tmp, "w") as f:
            json.dump(ctl, f)
        os.replace(tmp, os.path.join(self.dir, "control.json"))

    def reject(self, addrs):
        c = self._ctl()
        c["reject"] = [a.lower() for a in addrs]
        self.control(c)

    def tempfail(self, on=True):
        c = self._ctl()
        c["tempfail"] = bool(on)
        self.control(c)

    def tempfail_data(self, text=None):
        """Refuse with 451 at DATA the mails holding text (None: none)."""
        c = self._ctl()
        c["tempfail_data"] = text
        self.control(c)

    def delay_data(self, seconds=None):
        """Answer each DATA seconds late (None: at once), as a slow relay."""
        c = self._ctl()
        c["delay_data"] = seconds
        self.control(c)

    def _ctl(self):
        with open(os.path.join(self.dir, "control.json")) as f:
            return json.load(f)

    def messages(self):
        """[{'mail_from', 'rcpt_tos', 'time', 'data': bytes, 'name'}] in order."""
        out = []
        for name in sorted(os.listdir(self.dir)):
            if not name.endswith(".json") or name == "control.json":
                continue
            base = name[:-5]
            with open(os.path.join(self.dir, name)) as f:
                meta = json.load(f)
            with open(os.path.join(self.dir, base + ".eml"), "rb") as f:
                meta["data"] = f.read()
            meta["name"] = base
            out.append(meta)
        return out

    def count(self):
        """How many messages messages() would return, without reading them."""
        return sum(1 for n in os.listdir(self.dir)
                   if n.endswith(".json") and n != "control.json")

    def clear(self):
        for name in os.listdir(self.dir):
            if name.endswith((".eml", ".json")) and name != "control.json":
                os.unlink(os.path.join(self.dir, name))

    def env(self):
        e = {"CTD_SMTP_URL": f"smtp://{LOOPBACK}:{self.port}",
             "CTD_SINK_DIR": self.dir,
             "CTD_SMTP_USER": self.user, "CTD_SMTP_PASSWORD": self.password}
        if self.ca:
            e["CTD_SMTP_CA_FILE"] = self.ca["ca"]
        return e


# ---------------------------------------------------------------------------
# All three


class Servers:
    """MariaDB, Dovecot and an SMTP sink, each in its own temp dir, started
    and stopped together. Pass db=False etc. to leave one out; smtp_program
    names another receiver for the sink (tests/bench/smtp_spool.c)."""

    def __init__(self, db=True, imap=True, smtp=True, smtp_tls=False, smtp_program=None):
        self.db = MariaDB() if db else None
        self.dovecot = Dovecot() if imap else None
        ca = self.dovecot.ca if self.dovecot else None
        self.sink = SmtpSink(tls=smtp_tls, ca=ca, program=smtp_program) if smtp else None

    def _all(self):
        return [s for s in (self.db, self.dovecot, self.sink) if s]

    def start(self):
        try:
            if self.dovecot:
                self.dovecot.start()
                if self.sink and self.sink.tls and self.sink.ca is None:
                    self.sink.ca = self.dovecot.ca
            for s in self._all():
                s.start()
        except BaseException:
            self.close()
            raise
        return self

    def stop(self):
        for s in self._all():
            s.stop()

    def restart(self):
        self.stop()
        self.start()

    def close(self):
        for s in self._all():
            s.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def env(self):
        e = {}
        for s in self._all():
            e.update(s.env())
        return e


if __name__ == "__main__":
    # Manual use: start everything, print the environment, wait for ^C.
    with Servers(smtp_tls="--tls" in sys.argv) as s:
        for k, v in sorted(s.env().items()):
            print(f"export {k}={v}")
        sys.stdout.flush()
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
