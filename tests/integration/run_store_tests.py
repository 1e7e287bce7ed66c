#!/usr/bin/python3
"""run_store_tests - the store's cmocka tests against a private MariaDB.

    tests/integration/run_store_tests.py [BUILD_DIR]     (default build/asan)
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import MariaDB  # noqa: E402


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build/asan"
    with MariaDB() as db:
        conn = db._root_conn()
        with conn.cursor() as c:
            # the lost-connection test kills its own session from a second one
            for host in ("127.0.0.1", "localhost"):
                c.execute(f"GRANT CONNECTION ADMIN ON *.* TO '{db.user}'@'{host}'")
        conn.close()
        env = dict(os.environ, **db.env())
        r = subprocess.run([os.path.join(build, "itests", "test_store")], env=env)
    print("store integration:", "passed" if r.returncode == 0 else "FAILED")
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
