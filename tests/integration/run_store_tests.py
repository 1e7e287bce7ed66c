#!/usr/bin/python3
"""run_store_tests - the store's cmocka tests against a private MariaDB.

    tests/integration/run_store_tests.py [BUILD_DIR]     (default build/asan)

test_server_restart restarts the server in the middle of a connection:
the test runs CTD_DB_RESTART_CMD, which asks this script (through a pair
of named pipes) to stop and start the MariaDB it owns, and returns once
the server answers again.
"""

import os
import shlex
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import MariaDB  # noqa: E402


def restarter(db, ask, done):
    """Serve restarts: each line read from ask stops and starts db, then
    "ok" (or the error) is written to done."""
    while True:
        with open(ask) as f:
            if not f.read():
                return  # the writer end closed by main(): we are done
        try:
            db.stop()
            db.start()
            answer = "ok\n"
        except Exception as e:  # the test sees it and fails
            answer = f"restart failed: {e}\n"
        with open(done, "w") as f:
            f.write(answer)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build/asan"
    with MariaDB() as db, tempfile.TemporaryDirectory(prefix="ctd-restart-") as tmp:
        conn = db._root_conn()
        with conn.cursor() as c:
            # the lost-connection test kills its own session from a second
            # one; the packet-limit test sets a small max_allowed_packet
            for host in ("127.0.0.1", "localhost"):
                c.execute(f"GRANT CONNECTION ADMIN, SUPER ON *.* TO '{db.user}'@'{host}'")
        conn.close()
        ask, done = os.path.join(tmp, "ask"), os.path.join(tmp, "done")
        os.mkfifo(ask)
        os.mkfifo(done)
        t = threading.Thread(target=restarter, args=(db, ask, done), daemon=True)
        t.start()
        cmd = f"echo restart > {shlex.quote(ask)} && grep -qx ok {shlex.quote(done)}"
        env = dict(os.environ, **db.env(), CTD_DB_RESTART_CMD=cmd)
        r = subprocess.run([os.path.join(build, "itests", "test_store")], env=env)
        try:  # an empty read ends the restarter, if it is waiting for one
            os.close(os.open(ask, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass  # it is not: it is a daemon thread and ends with us
        t.join(10)
    print("store integration:", "passed" if r.returncode == 0 else "FAILED")
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
