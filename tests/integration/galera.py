#!/usr/bin/python3
"""galera - a three-node MariaDB Galera cluster on loopback, for tests.

    from galera import GaleraCluster
    with GaleraCluster() as g:            # Primary, Synced, size 3
        n2 = g.node(2)                    # a servers.MariaDB-like node
        n2.connect(); n2.env()            # CTD_DB_* for that node
        g.stop_node(2); g.start_node(2)   # clean stop; rejoin, wait Synced
        g.kill_node(3); g.start_node(3)   # SIGKILL; recover, rejoin

Nodes are numbered 1..3 as in their logs. Every node listens on 127.0.0.1
only, on free ports (servers.free_port) for SQL, Galera replication
(gmcast.listen_addr), IST (ist.recv_addr) and SST
(wsrep_sst_receive_address); its datadir, socket, tmpdir and error log live
in a directory of its own under one tempfile.mkdtemp() directory, removed
at close() (unless GALERA_KEEP is set in the environment: then it is left
for reading the logs). Every mariadbd runs with --no-defaults; nothing under /etc is
written (the SST script only reads what my_print_defaults finds there).

Node 1 is installed with mariadb-install-db and bootstraps the cluster
(--wsrep-new-cluster); nodes 2 and 3 start with an empty datadir and
receive node 1's by SST with rsync, which needs only packages
mariadb-server already depends on (galera-4, rsync, socat, iproute2).
The application database and user (as servers.MariaDB makes them) are
created on node 1 as soon as it is Primary, so the joiners receive them
with its data; what a test does later (DROP/CREATE DATABASE, accounts) is
DDL, which Galera runs in total order on every node.

Like servers.py, every process is torn down at interpreter exit and on
SIGTERM/SIGHUP. Each mariadbd runs in a session of its own so that the
helpers its SST script starts (rsync daemon, socat) go down with it.

Debian packages used: mariadb-server, galera-4, rsync, python3-pymysql.
"""

import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time

import servers
from servers import LOOPBACK

NODES = 3

# Who the nodes run as when the tests run as root (CI). Not root, unlike
# servers.MariaDB: the joiner's SST script starts an rsync daemon, and an
# rsync daemon started by root writes as "nobody" unless told otherwise
# (the script does not tell it), so an SST to a root node fails with
# "mkdir ... Permission denied". mariadb-server's package creates "mysql".
RUN_AS = None
if os.geteuid() == 0:
    try:
        RUN_AS = pwd.getpwnam("mysql").pw_name
    except KeyError:
        RUN_AS = None
# How long one node may take to become Synced: a joiner's SST copies every
# file of its donor, slow on a machine busy with other test runs.
SYNC_TIMEOUT = 180.0


def provider_path():
    """The galera-4 library, where Debian's package put it."""
    r = subprocess.run(["dpkg", "-L", "galera-4"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    libs = [p for p in r.stdout.splitlines()
            if os.path.basename(p) == "libgalera_smm.so" and os.path.exists(p)]
    if not libs:
        raise RuntimeError("galera-4 is not installed (make deps installs it)")
    # /usr/lib/galera/ is the package's own folder; the one in /usr/lib is
    # a compatibility link to it.
    libs.sort(key=lambda p: "/galera/" not in p)
    return libs[0]


def _killpg(proc):
    """SIGKILL what is left of the node's session: SST helpers outlive a
    mariadbd that was killed while it received a state transfer."""
    if proc is None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class GaleraNode(servers.MariaDB):
    """One mariadbd of the cluster. Has the interface of servers.MariaDB
    (port, socket, log, connect(), env(), _root_conn()), so daemon_env and
    the tests' helpers take it as srv.db."""

    name = "galera"

    def __init__(self, cluster, number, root):
        super().__init__(root, cluster.database, cluster.user)
        self.cluster = cluster
        self.number = number
        self.password = cluster.password
        self.gcomm_port = servers.free_port()
        self.ist_port = servers.free_port()
        self.sst_port = servers.free_port()
        self.recover_log = os.path.join(self.root, "recover.err")

    def __repr__(self):
        return f"<galera node {self.number} port {self.port}>"

    def _args(self):
        """mariadbd's command line, the same for every start of this node
        (the SST script reads its paths from it)."""
        c = self.cluster
        opts = ";".join([
            f"gmcast.listen_addr=tcp://{LOOPBACK}:{self.gcomm_port}",
            f"ist.recv_addr={LOOPBACK}:{self.ist_port}",
            "gcache.size=32M",
            # a node that went away is noticed in seconds, not the
            # default 15 s, so the tests wait less for a new view
            "evs.suspect_timeout=PT3S", "evs.inactive_timeout=PT6S",
            "evs.keepalive_period=PT0.5S"])
        cmd = ["mariadbd", "--no-defaults", "--datadir=" + self.datadir,
               "--tmpdir=" + self.tmpdir, "--socket=" + self.socket,
               "--port=%d" % self.port, "--bind-address=" + LOOPBACK,
               "--skip-name-resolve",
               "--pid-file=" + os.path.join(self.root, "mysqld.pid"),
               "--log-error=" + self.log,
               "--innodb-buffer-pool-size=64M",
               "--innodb-log-file-size=32M",
               "--innodb-flush-log-at-trx-commit=1",
               "--character-set-server=utf8mb4",
               "--collation-server=utf8mb4_unicode_ci",
               "--max-connections=200", "--skip-log-bin",
               "--skip-symbolic-links",
               # what Galera requires of every node
               "--binlog-format=ROW", "--default-storage-engine=InnoDB",
               "--innodb-autoinc-lock-mode=2",
               "--wsrep-on=ON", "--wsrep-provider=" + c.provider,
               "--wsrep-cluster-name=" + c.name,
               "--wsrep-cluster-address=" + c.gcomm_address(),
               "--wsrep-node-name=node%d" % self.number,
               "--wsrep-node-address=" + LOOPBACK,
               "--wsrep-node-incoming-address=%s:%d" % (LOOPBACK, self.port),
               "--wsrep-sst-method=rsync",
               "--wsrep-sst-receive-address=%s:%d" % (LOOPBACK, self.sst_port),
               "--wsrep-provider-options=" + opts]
        if RUN_AS:
            cmd.append("--user=" + RUN_AS)
        return cmd

    def _install(self):
        """A system database for the bootstrap node, owned by the user the
        node runs as."""
        cmd = ["mariadb-install-db", "--no-defaults",
               "--auth-root-authentication-method=normal",
               "--datadir=" + self.datadir, "--tmpdir=" + self.tmpdir,
               "--skip-test-db", "--skip-name-resolve"]
        if RUN_AS:
            cmd.append("--user=" + RUN_AS)
        r = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise RuntimeError("mariadb-install-db failed:\n" + r.stdout)
        self._installed = True

    def _prepare_dirs(self):
        for d in (self.root, self.datadir, self.tmpdir):
            os.makedirs(d, exist_ok=True)
            if RUN_AS:
                pw = pwd.getpwnam(RUN_AS)
                os.chown(d, pw.pw_uid, pw.pw_gid)

    def start(self, bootstrap=False):
        """Start mariadbd; does not wait for Synced (the cluster does)."""
        if self.running():
            return
        self._prepare_dirs()
        if bootstrap and not self._installed:
            self._install()
        cmd = self._args()
        if bootstrap:
            cmd.append("--wsrep-new-cluster")
        else:
            cmd += self._recovered_position()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        self._installed = True

    def _grastate_seqno(self):
        try:
            with open(os.path.join(self.datadir, "grastate.dat")) as f:
                m = re.search(r"^seqno:\s*(-?\d+)", f.read(), re.M)
                return int(m.group(1)) if m else None
        except OSError:
            return None

    def _recovered_position(self):
        """After a crash grastate.dat says seqno -1: ask InnoDB where this
        node stopped (mariadbd --wsrep-recover, as Debian's galera_recovery
        does), so that it rejoins by IST instead of a full SST. Empty when
        there is nothing to recover or recovery found nothing; the node
        then asks for SST, which also works."""
        if self._grastate_seqno() != -1:
            return []
        cmd = [a for a in self._args() if not a.startswith("--log-error=")]
        cmd += ["--wsrep-recover", "--log-error=" + self.recover_log]
        try:
            subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=120)
        except subprocess.TimeoutExpired:
            return []
        try:
            with open(self.recover_log, errors="replace") as f:
                found = re.findall(r"WSREP: Recovered position: (\S+:-?\d+)",
                                   f.read())
        except OSError:
            return []
        if not found or found[-1].endswith(":-1"):
            return []
        return ["--wsrep-start-position=" + found[-1]]

    def stop(self):
        """Clean shutdown (SIGTERM): the node leaves the cluster."""
        servers._stop_proc(self.proc, signal.SIGTERM, 90)
        _killpg(self.proc)
        self.proc = None

    def kill(self):
        """SIGKILL: a crash; the others notice after evs.suspect_timeout."""
        servers._stop_proc(self.proc, signal.SIGKILL)
        _killpg(self.proc)
        self.proc = None

    def status(self):
        """{wsrep status variable: value} over the root socket; {} when the
        node does not answer yet (starting, receiving SST)."""
        import pymysql
        try:
            conn = pymysql.connect(unix_socket=self.socket, user="root",
                                   autocommit=True, connect_timeout=2,
                                   read_timeout=5)
        except pymysql.err.Error:
            return {}
        try:
            with conn.cursor() as c:
                c.execute("SHOW GLOBAL STATUS LIKE 'wsrep\\_%'")
                return {k: v for k, v in c.fetchall()}
        except pymysql.err.Error:
            return {}
        finally:
            conn.close()

    @staticmethod
    def _synced(status, size):
        return (status.get("wsrep_cluster_status") == "Primary"
                and status.get("wsrep_local_state_comment") == "Synced"
                and status.get("wsrep_ready") == "ON"
                and status.get("wsrep_cluster_size") == str(size))

    def wait_synced(self, size, timeout=SYNC_TIMEOUT):
        """Until this node is in a Primary component of size nodes and
        Synced; RuntimeError naming the error log (and its end) if it
        exited or did not get there in time."""
        end = time.monotonic() + timeout
        last = {}
        while time.monotonic() < end:
            if self.proc is None or self.proc.poll() is not None:
                code = None if self.proc is None else self.proc.returncode
                raise RuntimeError(
                    f"galera node {self.number} exited ({code}) before it was "
                    f"Synced; its error log is {self.log}"
                    + servers._tail(self.log, 40))
            last = self.status()
            if self._synced(last, size):
                return
            time.sleep(0.2)
        seen = {k: last.get(k) for k in ("wsrep_cluster_status",
                                         "wsrep_local_state_comment",
                                         "wsrep_cluster_size", "wsrep_ready")}
        raise RuntimeError(
            f"galera node {self.number} not Primary/Synced/size {size} after "
            f"{timeout:.0f}s (last: {seen}); its error log is {self.log}"
            + servers._tail(self.log, 40))

    def close(self):
        """Kill (the files go with the cluster's directory); the cluster
        stops its nodes cleanly before it closes them."""
        if self._closed:
            return
        self._closed = True
        self.kill()
        servers._live.discard(self)


class GaleraCluster:
    """Three GaleraNode under one temporary directory, started and stopped
    together; a context manager like servers.Servers."""

    def __init__(self, nodes=NODES, database="complaintd", user="complaintd"):
        self.root = tempfile.mkdtemp(prefix="ctd-galera-")
        if RUN_AS:
            os.chmod(self.root, 0o755)  # the nodes' user reaches its dir
        self.name = "ctd-" + secrets.token_hex(4)  # never joins another's
        self.database = database
        self.user = user
        self.password = "pw-" + secrets.token_hex(8)
        self.provider = provider_path()
        self._closed = False
        self.nodes = [GaleraNode(self, i, os.path.join(self.root, f"node{i}"))
                      for i in range(1, nodes + 1)]
        self.start_seconds = None
        servers._register(self)

    def __repr__(self):
        return f"<galera cluster {self.name} in {self.root}>"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def node(self, i):
        """Node i, counted from 1."""
        return self.nodes[i - 1]

    def gcomm_address(self):
        return "gcomm://" + ",".join(f"{LOOPBACK}:{n.gcomm_port}"
                                     for n in self.nodes)

    def start(self):
        """Bootstrap node 1, create the application database and user, join
        the others one at a time (each SST is served by a donor that then
        stays out of Synced while it copies), wait until all are Synced."""
        began = time.monotonic()
        try:
            first = self.nodes[0]
            first.start(bootstrap=True)
            first.wait_synced(1)
            first._bootstrap()
            for n in self.nodes[1:]:
                n.start()
                n.wait_synced(n.number)
            self.wait_synced()
        except BaseException:
            self.close()
            raise
        self.start_seconds = time.monotonic() - began
        return self

    def running_nodes(self):
        return [n for n in self.nodes if n.running()]

    def wait_synced(self, timeout=SYNC_TIMEOUT):
        """Every running node Primary and Synced in a cluster of all the
        running nodes."""
        live = self.running_nodes()
        for n in live:
            n.wait_synced(len(live), timeout)

    def stop_node(self, i):
        """Clean shutdown of node i; the others go on as a Primary
        component of the rest (a clean leave keeps quorum)."""
        self.node(i).stop()

    def kill_node(self, i):
        """SIGKILL node i: a crash; the others keep quorum (2 of 3)."""
        self.node(i).kill()

    def start_node(self, i, timeout=SYNC_TIMEOUT):
        """Restart node i; it rejoins (IST when it can, SST otherwise) and
        this returns when every running node is Synced again."""
        self.node(i).start()
        self.wait_synced(timeout)

    def close(self):
        """Stop every node (the last first, so a crash-free bootstrap node
        would be the one safe to bootstrap) and remove the directory."""
        if self._closed:
            return
        self._closed = True
        for n in reversed(self.nodes):
            try:
                n.stop()
            except Exception:
                n.kill()
            n.close()
        if os.environ.get("GALERA_KEEP"):
            print(f"galera: GALERA_KEEP set, {self.root} left for reading")
        else:
            shutil.rmtree(self.root, ignore_errors=True)
        servers._live.discard(self)


if __name__ == "__main__":
    # Manual use: start a cluster, print where it is, wait for ^C.
    with GaleraCluster() as g:
        print(f"cluster {g.name} in {g.root}, started in "
              f"{g.start_seconds:.1f}s")
        for n in g.nodes:
            print(f"node {n.number}: port {n.port} socket {n.socket} "
                  f"log {n.log}")
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
