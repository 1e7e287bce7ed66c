#!/usr/bin/python3
"""Browser tests of the web form: headless Debian Chromium driven by
playwright-core (form_test.mjs) against complaintd with real MariaDB and an
SMTP sink; this script checks what the browser saw against the database
and the acknowledgement at the sink.

Screenshots of the form at 1280 and 390 pixels wide (Chinese, and English
with its errors) are kept in build/browser/ for review.

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
            shots = os.path.join(HERE, "..", "..", "build", "browser")
            os.makedirs(shots, exist_ok=True)
            r = subprocess.run(["node", os.path.join(HERE, "form_test.mjs"), d.url, photo.name,
                                shots],
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
            demand = query(srv, "SELECT f.value, f.source FROM complaint_facts f JOIN complaints c"
                           " ON c.id = f.complaint_id WHERE c.ref = %s AND f.name = 'demand'",
                           (ref,))
            assert demand == (("refund", "form"),), demand
            for name, lay in out["layout"].items():
                if name == "errors_en":
                    continue
                b, h, vp = lay["button"], lay["hint"], lay["viewport"]
                # below the hint and the file input, not beside them
                assert b["top"] >= h["bottom"] and b["top"] >= lay["file"]["bottom"], (name, lay)
                assert lay["hint_display"] == "block", (name, lay)
                # wholly on screen: inside the width, scrolled into view
                assert 0 <= b["left"] and b["right"] <= vp["width"], (name, lay)
                assert 0 <= b["top"] and b["bottom"] <= vp["height"], (name, lay)
                assert lay["scroll_width"] <= vp["width"], ("sideways scrolling", name, lay)
                # the look comes from form.css (the company colour)
                assert lay["button_bg"] == "rgb(179, 38, 30)", (name, lay)
            phone = out["layout"]["phone"]
            assert phone["button"]["width"] >= 0.8 * phone["viewport"]["width"] - 40, phone
            assert out["layout"]["errors_en"] == "This field is required.", out["layout"]
            for png in ("form-zh-1280.png", "form-zh-390.png", "form-en-390-errors.png",
                        "form-en-1280-errors.png"):
                path = os.path.join(shots, png)
                with open(path, "rb") as f:
                    assert f.read(8) == b"\x89PNG\r\n\x1a\n", path
                assert os.path.getsize(path) > 10000, (path, os.path.getsize(path))
            print(f"  ok   layout at 1280 and 390 px: the button below the hint and on "
                  f"screen; screenshots in {os.path.normpath(shots)}")
            assert d.stop() == 0
            d.assert_clean_log()
        finally:
            os.unlink(photo.name)
            d.close()
    print("browser: 3/3 passed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        import daemon_env
        print(f"browser: FAILED: {e}\n  --- end of complaintd's log ---\n"
              + daemon_env.last_log_tail())
        sys.exit(1)
