#!/usr/bin/python3
"""Browser tests of the web form: headless Debian Chromium driven by
playwright-core (form_test.mjs) against complaintd with real MariaDB and an
SMTP sink; this script checks what the browser saw against the database
and the acknowledgement at the sink.

usage: run_browser.py BINDIR"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import servers  # noqa: E402
from daemon_env import Daemon, acks, decoded_subject, query, wait_for  # noqa: E402

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c63f8ffff3f0005fe02fea73581840000000049454e44ae426082")


def main():
    bindir = os.path.abspath(sys.argv[1])
    if not os.path.exists("/usr/bin/chromium"):
        print("browser: /usr/bin/chromium missing (make deps)")
        return 1
    with servers.Servers(imap=False) as srv:
        d = Daemon(srv, bindir, mailboxes=[], web=True)
        photo = tempfile.NamedTemporaryFile(suffix=".png", prefix="烟雾照片-", delete=False)
        photo.write(PNG)
        photo.close()
        try:
            d.migrate()
            d.start()
            d.wait_web()
            r = subprocess.run(["node", os.path.join(HERE, "form_test.mjs"), d.url, photo.name],
                               capture_output=True, text=True, timeout=180, cwd=HERE)
            assert r.returncode == 0, f"form_test.mjs failed:\n{r.stdout}\n{r.stderr}"
            out = json.loads(r.stdout.strip().splitlines()[-1])
            ref = out["ref"]
            assert ref.startswith("CMP-"), out
            rows = query(srv, "SELECT c.channel, c.customer_addr, c.customer_name, m.body, "
                         "a.filename, a.content_type, a.size FROM complaints c "
                         "JOIN messages m ON m.complaint_id = c.id "
                         "JOIN attachments a ON a.message_row_id = m.id WHERE c.ref = %s", (ref,))
            assert len(rows) == 1, rows
            ch, addr, name, body, fn, ctype, size = rows[0]
            assert (ch, addr, name) == ("web", "xiaoming.wang@customer.example", "王小明"), rows
            assert "冒烟" in body and "要求退货并赔偿" in body
            assert fn == os.path.basename(photo.name) and ctype == "image/png" and size == len(PNG)
            wait_for("acknowledgement at the sink", lambda: len(acks(srv)) == 1, 60)
            a = acks(srv)[0]
            assert a.envelope["rcpt_tos"] == ["xiaoming.wang@customer.example"]
            assert f"[{ref}]" in decoded_subject(a)
            print(f"  ok   chinese complaint with attachment: ref {ref} in the database, "
                  "acknowledged at the sink")
            m = out["missing"]
            assert m["next_to_field"] and "description-error" in m["described_by"], m
            assert "required" in m["error"], m
            assert (m["name"], m["email"], m["order_no"]) == (
                "Mary <Smith>", "mary@customer.example", "A-1"), m
            assert query(srv, "SELECT COUNT(*) FROM complaints")[0][0] == 1
            print("  ok   missing field: error next to it, input kept")
            assert d.stop() == 0
            d.assert_clean_log()
        finally:
            os.unlink(photo.name)
            d.close()
    print("browser: 2/2 passed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        import daemon_env
        print(f"browser: FAILED: {e}\n  --- end of complaintd's log ---\n"
              + daemon_env.last_log_tail())
        sys.exit(1)
