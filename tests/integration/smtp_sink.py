#!/usr/bin/python3
"""smtp_sink - an SMTP server for tests that stores what it receives.

    smtp_sink.py --port N --dir SPOOL [--cert C --key K] [--user U --password P]

Listens on 127.0.0.1:N only. Each accepted message becomes SPOOL/NNNNNN.eml
(the bytes as received after dot-unstuffing, CRLF line ends) and
SPOOL/NNNNNN.json ({"mail_from", "rcpt_tos", "time", "peer"}); the .json is
written last, so a reader that sees it also sees the whole .eml.

SPOOL/control.json, read at every RCPT, steers failures:
    {"reject": ["a@b"], "tempfail": false}
"reject" recipients get "550 5.1.1 user unknown"; "tempfail" true gives
every RCPT "451 4.3.0 temporary failure"; "tempfail_data": "TEXT" refuses
with 451 at DATA every mail whose content holds TEXT, in any letter case
(a header such as
"Message-ID: <relay." picks one kind of mail); "delay_data": SECONDS waits
that long before answering each DATA (a slow relay: one connection cannot
take a backlog alone before others come).
With --cert/--key the sink offers STARTTLS, and AUTH PLAIN/LOGIN (only
after STARTTLS) for --user/--password; authentication is optional.
"""

import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, spool):
        self.spool = spool
        names = [n for n in os.listdir(spool) if n.endswith(".json")
                 and n[:-5].isdigit()]
        self.seq = max((int(n[:-5]) for n in names), default=0)

    def _control(self):
        try:
            with open(os.path.join(self.spool, "control.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    async def handle_RCPT(self, server, session, envelope, address, options):
        ctl = self._control()
        if ctl.get("tempfail"):
            return "451 4.3.0 temporary failure, try again later"
        if address.lower() in [a.lower() for a in ctl.get("reject", [])]:
            return "550 5.1.1 <%s>: user unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        self.seq += 1
        base = os.path.join(self.spool, "%06d" % self.seq)
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        ctl = self._control()
        if ctl.get("delay_data"):
            await asyncio.sleep(float(ctl["delay_data"]))
        mark = ctl.get("tempfail_data")
        if mark and mark.lower().encode() in data.lower():
            self.seq -= 1
            return "451 4.3.0 temporary failure, try again later"
        with open(base + ".eml", "wb") as f:
            f.write(data)
        meta = {"mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "time": time.time(),
                "peer": list(session.peer) if session.peer else None,
                "authenticated": bool(session.authenticated)}
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.replace(base + ".json.tmp", base + ".json")
        return "250 2.0.0 Ok: queued as %06d" % self.seq


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--user", default="mailer")
    ap.add_argument("--password", default="")
    a = ap.parse_args()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == a.user
              and auth_data.password.decode() == a.password)
        return AuthResult(success=ok)

    tls = None
    if a.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(a.cert, a.key)
    handler = Handler(a.dir)
    kw = dict(hostname="127.0.0.1", port=a.port,
              server_hostname="sink.test",
              data_size_limit=64 * 1024 * 1024,
              decode_data=False, authenticator=authenticator,
              auth_required=False, auth_require_tls=True)
    if tls:
        kw["tls_context"] = tls
        kw["require_starttls"] = False
    ctl = Controller(handler, **kw)
    ctl.start()
    print("smtp_sink listening on 127.0.0.1:%d" % a.port, flush=True)
    stop = [False]

    def on_term(signum, frame):
        stop[0] = True
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    try:
        while not stop[0]:
            time.sleep(0.1)
    finally:
        ctl.stop()


if __name__ == "__main__":
    sys.exit(main())
