#!/usr/bin/python3
"""The web form and its API end to end: complaintd with [web] on, real
MariaDB and SMTP sink (no IMAP mailbox needed), HTTP from this script.

usage: test_web.py BINDIR [TEST ...]
"""

import http.client
import json
import os
import re
import shutil
import socket
import sys
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import servers  # noqa: E402
from daemon_env import (Daemon, run_tests, acks, complaints, decoded_subject,  # noqa: E402
                        query, scalar, wait_for, write_secret)

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
       b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe"
       b"\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

GOOD = {"name": "张三", "email": "zhang.san@customer.example", "phone": "+86 138 0000 0000",
        "order_no": "SO-2024-0501", "product": "电水壶 K-200", "purchase_place": "北京旗舰店",
        "purchase_date": "2024-05-01",
        "description": "电水壶用了三天就漏水，底座还有裂纹。",
        "request": "要求退货退款"}


def start(srv, bindir, web=None, **kw):
    d = Daemon(srv, bindir, mailboxes=[], web=web or True, **kw)
    d.migrate()
    d.start()
    d.wait_web()
    return d


def request(d, method, path, body=None, headers=None, source=None, timeout=30):
    """(status, headers dict lower-case, body bytes)."""
    c = http.client.HTTPConnection(servers.LOOPBACK, d.web_port, timeout=timeout,
                                   source_address=(source, 0) if source else None)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        c.close()


def post_form(d, fields, **kw):
    body = urllib.parse.urlencode(fields).encode()
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(kw.pop("headers", {}))
    return request(d, "POST", "/complaint", body, h, **kw)


def multipart(fields, files):
    """fields: dict; files: list of (name, filename, type, bytes)."""
    boundary = "----ctd" + uuid.uuid4().hex
    out = []
    for k, v in fields.items():
        out.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n"
                   .encode() + (v if isinstance(v, bytes) else v.encode()) + b"\r\n")
    for name, fn, typ, data in files:
        out.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                   f"filename=\"{fn}\"\r\nContent-Type: {typ}\r\n\r\n".encode() + data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def post_json(d, obj, raw=None, ctype="application/json", **kw):
    body = raw if raw is not None else json.dumps(obj).encode()
    return request(d, "POST", "/api/v1/complaints", body, {"Content-Type": ctype}, **kw)


def send_big(d, path, ctype, size):
    """A post of size bytes: the answer must come before the body is sent
    (we send it only as far as the server lets us)."""
    s = socket.create_connection((servers.LOOPBACK, d.web_port), timeout=10)
    try:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
                  f"Content-Length: {size}\r\n\r\n".encode())
        try:
            s.sendall(b"x" * min(size, 65536))
        except OSError:
            pass
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else None
        return status, data
    finally:
        s.close()


def ref_of_location(loc):
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
    return q.get("ref", [None])[0]


def stored(srv, ref):
    rows = query(srv, "SELECT c.channel, c.customer_addr, c.customer_name, m.body, r.raw, "
                 "m.subject, m.id FROM complaints c JOIN messages m ON m.complaint_id = c.id "
                 "LEFT JOIN message_raw r ON r.message_row_id = m.id "
                 "WHERE c.ref = %s AND m.direction = 'in'", (ref,))
    assert len(rows) == 1, f"{ref}: {len(rows)} stored messages"
    return rows[0]


def metric(d, name, labels=""):
    st, _, body = request(d, "GET", "/metrics")
    assert st == 200
    want = f"{name}{{{labels}}}" if labels else name
    for line in body.decode().splitlines():
        if line.startswith(want + " "):
            return float(line.split()[-1])
    raise AssertionError(f"no metric {want}")


# ---------------------------------------------------------------------------

def test_form_page_languages(srv, bindir):
    """GET /complaint in zh (default) and en (Accept-Language, ?lang=), with
    labels for every field, a token and the honeypot; 404 and 405."""
    d = start(srv, bindir)
    try:
        st, h, body = request(d, "GET", "/complaint")
        page = body.decode()
        assert st == 200 and h["content-type"].startswith("text/html"), (st, h)
        assert 'lang="zh-CN"' in page and "投诉登记" in page
        for f in ("name", "email", "phone", "order_no", "product", "purchase_place",
                  "purchase_date", "description", "request", "attachments"):
            assert f'<label for="{f}">' in page and f'id="{f}"' in page, f
        tok = re.search(r'name="token" value="([0-9a-f]{32})"', page)
        assert tok, "no per-form token"
        st2, _, body2 = request(d, "GET", "/complaint")
        assert tok.group(1) not in body2.decode(), "token must differ per page"
        assert 'name="website"' in page and "content-security-policy" in h
        st, _, body = request(d, "GET", "/complaint", headers={
            "Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"})
        assert st == 200 and 'lang="en"' in body.decode() and "What happened" in body.decode()
        st, _, body = request(d, "GET", "/complaint?lang=en",
                              headers={"Accept-Language": "zh-CN"})
        assert 'lang="en"' in body.decode()
        st, _, body = request(d, "GET", "/complaint", headers={
            "Accept-Language": "en;q=0.3, zh-TW;q=0.8"})
        assert 'lang="zh-CN"' in body.decode()
        assert request(d, "GET", "/nothing")[0] == 404
        st, h, _ = request(d, "PUT", "/complaint", b"x")
        assert st == 405 and "POST" in h["allow"], (st, h)
        assert request(d, "GET", "/api/v1/complaints")[0] == 405
        st, h, _ = request(d, "GET", "/")
        assert st == 303 and h["location"].endswith("/complaint")
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_form_post_to_ack(srv, bindir):
    """A urlencoded post: 303 to the confirmation page with the reference,
    the complaint in MariaDB (channel web, the customer's address as From),
    and the acknowledgement at the sink addressed to the customer."""
    d = start(srv, bindir)
    try:
        st, h, body = post_form(d, dict(GOOD, token="t" * 32, lang="zh"))
        assert st == 303, (st, body[:500])
        ref = ref_of_location(h["location"])
        assert ref and re.fullmatch(r"CMP-\d{8}-\d{4,}", ref), h["location"]
        st, _, page = request(d, "GET", h["location"])
        assert st == 200 and ref in page.decode()
        channel, addr, name, text, raw, subject, _ = stored(srv, ref)
        assert channel == "web" and addr == GOOD["email"] and name == GOOD["name"]
        assert GOOD["description"] in text and GOOD["request"] in text
        posted = json.loads(raw)
        assert posted["order_no"] == GOOD["order_no"] and posted["purchase_date"] == "2024-05-01"
        wait_for("acknowledgement", lambda: len(acks(srv)) == 1, 30)
        a = acks(srv)[0]
        assert a.envelope["rcpt_tos"] == [GOOD["email"]], a.envelope
        assert f"[{ref}]" in decoded_subject(a)
        assert a["X-Complaintd-Ref"] == ref
        assert metric(d, "complaintd_web_posts_total", 'outcome="new"') == 1
        assert metric(d, "complaintd_http_requests_total", 'code="303"') >= 1
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_multipart_with_attachment(srv, bindir):
    """multipart/form-data with a PNG and a text file: stored as attachments
    with their sniffed types; a disguised executable is refused (400)."""
    d = start(srv, bindir)
    try:
        body, ctype = multipart(dict(GOOD, lang="en"), [
            ("attachments", "photo.png", "image/png", PNG),
            ("attachments", "C:\\Users\\me\\receipt.txt", "application/octet-stream",
             "收据 no. 42\n".encode())])
        st, h, resp = request(d, "POST", "/complaint", body, {"Content-Type": ctype})
        assert st == 303, (st, resp[:800])
        assert "lang=en" in h["location"]
        ref = ref_of_location(h["location"])
        row_id = stored(srv, ref)[6]
        att = query(srv, "SELECT filename, content_type, size FROM attachments "
                    "WHERE message_row_id = %s ORDER BY id", (row_id,))
        assert att == (("photo.png", "image/png", len(PNG)),
                       ("receipt.txt", "text/plain", len("收据 no. 42\n".encode()))), att
        body, ctype = multipart(dict(GOOD), [("attachments", "x.png", "image/png",
                                              b"MZ\x90\x00" + b"\x00" * 100)])
        st, _, resp = request(d, "POST", "/complaint", body, {"Content-Type": ctype})
        page = resp.decode()
        assert st == 400 and 'id="attachments-error"' in page, (st, page[-1500:])
        assert complaints(srv) == 1
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_validation_errors_kept_input(srv, bindir):
    """Missing and wrong fields: 400, the form again with each error next to
    its field and everything typed kept (escaped); nothing stored."""
    d = start(srv, bindir)
    try:
        bad = dict(GOOD, email="not-an-address", description="   ", phone="call me",
                   purchase_date="2024-02-30", product='<b>K-200</b> "x"', token="k" * 32)
        st, h, body = post_form(d, bad)
        page = body.decode()
        assert st == 400, st
        for f in ("email", "description", "phone", "purchase_date"):
            assert f'id="{f}-error"' in page, f
        assert 'id="name-error"' not in page
        assert 'value="张三"' in page and 'value="not-an-address"' in page
        assert 'value="&lt;b&gt;K-200&lt;/b&gt; &quot;x&quot;"' in page
        assert "<b>K-200" not in page
        assert 'value="' + "k" * 32 + '"' in page, "the token must survive the round"
        assert complaints(srv) == 0
        # the API: 400 with a JSON list of field errors
        st, _, body = post_json(d, {"name": "", "email": "a@b", "description": "x",
                                    "colour": "red", "phone": 5})
        errs = json.loads(body)["errors"]
        got = {(e["field"], e["code"]) for e in errs}
        assert st == 400 and {("name", "required"), ("email", "invalid_email"),
                              ("colour", "unknown_field"),
                              ("phone", "not_a_string")} <= got, got
        assert all(e["message"] for e in errs)
        st, _, body = post_json(d, None, raw=b'{"name": "x",}')
        assert st == 400 and "byte" in json.loads(body)["error"]
        st, _, body = post_json(d, None, raw=b'[1,2]')
        assert st == 400
        assert metric(d, "complaintd_web_posts_total", 'outcome="invalid"') == 4
        assert complaints(srv) == 0
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_api_and_double_submit(srv, bindir):
    """POST /api/v1/complaints: 201 with the reference; the same post again
    (a double click) gives the same reference and one complaint, on both
    the API and the form; the same token on another post is another."""
    d = start(srv, bindir)
    try:
        obj = dict(GOOD, token="api-" + uuid.uuid4().hex, lang="en",
                   attachments=[{"filename": "p.png", "content_type": "image/png",
                                 "data": __import__("base64").b64encode(PNG).decode()}])
        st, h, body = post_json(d, obj)
        assert st == 201, (st, body)
        ref = json.loads(body)["ref"]
        first = json.loads(body)
        st, _, body = post_json(d, obj)
        assert st == 200 and json.loads(body) == {"ref": ref, "status": "duplicate",
                                                  "answer_by": first["answer_by"]}, body
        tok = uuid.uuid4().hex
        st1, h1, _ = post_form(d, dict(GOOD, token=tok))
        st2, h2, _ = post_form(d, dict(GOOD, token=tok))
        assert st1 == st2 == 303 and h1["location"] == h2["location"], (h1, h2)
        assert complaints(srv) == 2, complaints(srv)
        # the same page's token on another complaint (the Back button, or
        # someone who read the page): a complaint of its own, not lost
        other = dict(GOOD, token=tok, email="someone.else@example.net",
                     description="另一件事：收到的商品少了一个配件，请补发。")
        st3, h3, _ = post_form(d, other)
        assert st3 == 303 and h3["location"] != h1["location"], (h1, h3)
        assert complaints(srv) == 3, complaints(srv)
        assert scalar(srv, "SELECT COUNT(*) FROM messages WHERE from_addr = %s",
                      ("someone.else@example.net",)) == 1
        assert scalar(srv, "SELECT COUNT(*) FROM attachments") == 1
        st, _, _ = post_json(d, obj, ctype="text/plain")
        assert st == 415
        st, _, _ = post_json(d, obj, ctype="application/json; charset=latin1")
        assert st == 415
        for ctype in ("application/json; charset=utf-8x",
                      'application/json; x="charset=utf-8"; charset=latin1'):
            assert post_json(d, obj, ctype=ctype)[0] == 415, ctype
        st, _, _ = post_json(d, obj, ctype='application/json; Charset="UTF-8"')
        assert st == 200, st  # taken: the duplicate of the first post
        st, _, _ = request(d, "POST", "/complaint", b"<x/>", {"Content-Type": "text/xml"})
        assert st == 415
        wait_for("3 acknowledgements", lambda: len(acks(srv)) == 3, 30)
        assert metric(d, "complaintd_web_posts_total", 'outcome="duplicate"') == 3
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_posts_at_once_committed_together(srv, bindir):
    """48 posts at once from 24 clients (of them 8 pairs of the same post,
    the double click of an impatient customer, sent side by side): posts
    share transactions (group commit) yet each is answered only after its
    own commit with its own reference; the pairs get one complaint and one
    reference each; every complaint is stored whole and acknowledged.
    With the default pool of 32 HTTP workers."""
    posts_at_once(srv, bindir, {}, "32")


def test_posts_at_once_per_connection(srv, bindir):
    """The same with a thread for each connection ([web] threads = 0)."""
    posts_at_once(srv, bindir, {"threads": "0"}, "per-connection")


def posts_at_once(srv, bindir, web, threads):
    import threading
    from concurrent.futures import ThreadPoolExecutor
    d = start(srv, bindir, web=dict(web, rate_limit="0", max_connections_per_ip="0"),
              extra={"acknowledge": {"max_per_sender_per_hour": "100000",
                                     "max_per_domain_per_day": "0"}})
    try:
        assert f"threads={threads}" in d.log_text().decode(), d.log_text()[-2000:]
        posts = []
        for i in range(32):
            posts.append(dict(GOOD, name=f"客户{i}", email=f"c{i}@batch.example",
                              order_no=f"SO-B-{i}", token="batch-" + uuid.uuid4().hex,
                              description=f"第{i}号投诉：电水壶漏水，底座有裂纹。"))
        pairs = posts[:8]
        jobs = posts + pairs + pairs  # 48 posts; pairs sent three times
        barrier = threading.Barrier(24)

        def one(fields):
            try:
                barrier.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass
            return post_form(d, fields, timeout=120)
        with ThreadPoolExecutor(24) as pool:
            answers = list(pool.map(one, jobs))
        assert all(st == 303 for st, _, _ in answers), [st for st, _, _ in answers]
        refs = [ref_of_location(h["location"]) for _, h, _ in answers]
        assert all(refs), refs
        by_post = {}
        for fields, ref in zip(jobs, refs):
            by_post.setdefault(fields["token"], set()).add(ref)
        assert all(len(r) == 1 for r in by_post.values()), by_post
        assert len(set(refs)) == 32, len(set(refs))
        assert complaints(srv) == 32
        for fields, ref in zip(posts, refs):
            _, addr, name, body, _, _, _ = stored(srv, ref)
            assert (addr, name) == (fields["email"], fields["name"]), (ref, addr, name)
            assert fields["description"] in body, (ref, body[:100])
        batches = metric(d, "complaintd_web_batches_total")
        new = metric(d, "complaintd_web_posts_total", 'outcome="new"')
        dup = metric(d, "complaintd_web_posts_total", 'outcome="duplicate"')
        assert (new, dup) == (32, 16), (new, dup)
        # posts waiting while a transaction ran went into the next together
        assert 1 <= batches < 48, batches
        # the web threads share a few database connections: the leaders',
        # the idle ones kept, and the pollers', sender's and scheduler's
        # (channels beyond the idle ones close when given back; the server
        # may take a moment to drop them: wait, with the thread-per-channel
        # design they would stay open for good)
        def conns():
            return scalar(srv, "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                          "WHERE USER = %s", (srv.db.user,))
        wait_for("at most 10 database connections", lambda: conns() <= 10, 10)
        print(f"    (48 posts in {batches:.0f} transactions, {conns()} database connections)")
        wait_for("32 acknowledgements", lambda: len(acks(srv)) == 32, 60)
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_api_language(srv, bindir):
    """An API post names its language with "lang" or Accept-Language; when
    it names none, the customer's own words choose the acknowledgement's
    language (the configured default would answer an English customer in
    Chinese)."""
    d = start(srv, bindir)
    try:
        en = dict(GOOD, description="The kettle I bought leaks from the base after three days.",
                  request="Please replace it", email="en.customer@customer.example")
        zh = dict(GOOD, email="zh.customer@customer.example")
        st_en, _, _ = post_json(d, en)
        st_zh, _, _ = post_json(d, zh)
        st_asked, _, _ = request(d, "POST", "/api/v1/complaints",
                                 json.dumps(dict(zh, email="asked@customer.example")).encode(),
                                 {"Content-Type": "application/json", "Accept-Language": "en"})
        assert st_en == st_zh == st_asked == 201, (st_en, st_zh, st_asked)
        wait_for("3 acknowledgements", lambda: len(acks(srv)) == 3, 30)
        subj = {a.envelope["rcpt_tos"][0]: decoded_subject(a) for a in acks(srv)}
        assert "We have received your complaint" in subj["en.customer@customer.example"], subj
        assert "我们已收到您的投诉" in subj["zh.customer@customer.example"], subj
        assert "We have received your complaint" in subj["asked@customer.example"], subj
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_tls_listener(srv, bindir):
    """With tls_cert_file and tls_key_file the form is served over HTTPS
    only: a client that verifies against the CA gets the page and can post;
    plain HTTP on that port gets no page."""
    import shutil
    import ssl
    d = Daemon(srv, bindir, mailboxes=[], web=True)
    try:
        ca = servers.make_ca(os.path.join(d.dir, "ca"))
        with open(ca["key"]) as f:
            write_secret(os.path.join(d.dir, "web.key"), f.read())
        shutil.copy(ca["cert"], os.path.join(d.dir, "web.crt"))
        with open(d.conf) as f:
            conf = f.read()
        with open(d.conf, "w") as f:
            f.write(conf.replace("[web]\n", "[web]\ntls_cert_file = web.crt\n"
                                 "tls_key_file = web.key\n", 1))
        d.migrate()
        d.start()
        d.wait_web()
        ctx = ssl.create_default_context(cafile=ca["ca"])
        c = http.client.HTTPSConnection(servers.LOOPBACK, d.web_port, timeout=30, context=ctx)
        c.request("GET", "/complaint?lang=en")
        r = c.getresponse()
        assert r.status == 200 and b"<form" in r.read()
        body = urllib.parse.urlencode(dict(GOOD, token=uuid.uuid4().hex)).encode()
        c.request("POST", "/complaint", body, {"Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        r.read()
        assert r.status == 303, r.status
        c.close()
        try:
            st, _, _ = request(d, "GET", "/complaint", timeout=5)
        except (OSError, http.client.HTTPException):
            st = None
        assert st is None, f"plain HTTP answered {st} on the TLS port"
        assert complaints(srv) == 1
        assert d.stop() == 0
    finally:
        d.close()


INJECTIONS = ["Robert'); DROP TABLE complaints;--", "<script>alert('x')</script>",
              '"><img src=x onerror=alert(1)>', "{{ref}} ${jndi:ldap://x} %s%n\\x00",
              "1' OR '1'='1"]


def test_injection_stored_verbatim_rendered_escaped(srv, bindir):
    """SQL and HTML injection strings are stored exactly and rendered
    escaped; CR/LF in a one-line field (a header injection) is refused."""
    d = start(srv, bindir)
    try:
        text = "\n".join(INJECTIONS)
        st, h, body = post_form(d, dict(GOOD, name=INJECTIONS[0], description=text,
                                        product=INJECTIONS[1], request=INJECTIONS[2]))
        assert st == 303, body
        ref = ref_of_location(h["location"])
        _, _, name, body_text, raw, _, _ = stored(srv, ref)
        assert name == INJECTIONS[0]
        assert text in body_text.replace("\r\n", "\n")
        posted = json.loads(raw)
        assert posted["product"] == INJECTIONS[1] and posted["request"] == INJECTIONS[2]
        # rendered again (with an error elsewhere): escaped, never raw markup
        st, _, page = post_form(d, dict(GOOD, email="bad", description=text,
                                        name=INJECTIONS[2]))
        page = page.decode()
        assert st == 400
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
        assert 'value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in page
        # the reference shown on the done page comes from the URL: only [A-Za-z0-9-]
        st, _, page = request(d, "GET", "/complaint/done?ref=%3Cscript%3E")
        assert st == 200 and "<script>" not in page.decode()
        # header injection through the name and the address
        st, _, page = post_form(d, dict(GOOD, name="Eve\r\nBcc: all@victim.example"))
        assert st == 400 and 'id="name-error"' in page.decode()
        st, _, page = post_form(d, dict(GOOD, email="a@b.example\r\nBcc: x@y.example"))
        assert st == 400 and 'id="email-error"' in page.decode()
        wait_for("acknowledgement", lambda: len(acks(srv)) == 1, 30)
        a = acks(srv)[0]
        head = a.as_bytes().split(b"\r\n\r\n")[0].split(b"\n\n")[0]
        head.decode("ascii")  # every header 7-bit: the Chinese name RFC 2047-encoded
        assert a["Bcc"] is None
        assert a["To"].addresses[0].addr_spec == GOOD["email"]
        assert a.envelope["rcpt_tos"] == [GOOD["email"]]
        assert complaints(srv) == 1
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_invalid_utf8(srv, bindir):
    """Invalid UTF-8 in a form field or a JSON body: 400, nothing stored;
    the page shown again is valid UTF-8."""
    d = start(srv, bindir)
    try:
        body = urllib.parse.urlencode(dict(GOOD, description="x")).replace(
            "description=x", "description=%FF%FEabc%C0%AF").encode()
        st, _, page = request(d, "POST", "/complaint", body,
                              {"Content-Type": "application/x-www-form-urlencoded"})
        assert st == 400, st
        page.decode("utf-8")  # raises if we emitted invalid UTF-8
        assert 'id="description-error"' in page.decode()
        body = urllib.parse.urlencode(dict(GOOD)).replace("name=", "name=%00").encode()
        st, _, page = request(d, "POST", "/complaint", body,
                              {"Content-Type": "application/x-www-form-urlencoded"})
        assert st == 400 and 'id="name-error"' in page.decode()
        raw = json.dumps(GOOD, ensure_ascii=False).encode().replace(
            "三".encode(), b"\xff\xfe")
        st, _, resp = post_json(d, None, raw=raw)
        assert st == 400 and "UTF-8" in json.loads(resp)["error"], resp
        # a '%' without two hex digits: the form decoder would move it into
        # the next field, here the address the acknowledgement goes to
        for bad in ("name=ab%&", "name=ab%4&", "name=ab%zz&"):
            body = urllib.parse.urlencode(dict(GOOD)).replace("name=", bad + "x=").encode()
            st, _, page = request(d, "POST", "/complaint", body,
                                  {"Content-Type": "application/x-www-form-urlencoded"})
            assert st == 400 and b"hex digits" in page, (bad, st, page)
        body = urllib.parse.urlencode(dict(GOOD)).encode() + b"&x=%"
        assert request(d, "POST", "/complaint", body,
                       {"Content-Type": "application/x-www-form-urlencoded"})[0] == 400
        assert complaints(srv) == 0
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_body_limits(srv, bindir):
    """10 MB posts: 413 at once with Content-Length, and 413 (or the
    connection closed) for a chunked body without one; the daemon lives."""
    d = start(srv, bindir)
    try:
        ten = 10 * 1024 * 1024
        for path, ctype in (("/complaint", "application/x-www-form-urlencoded"),
                            ("/api/v1/complaints", "application/json")):
            st, body = send_big(d, path, ctype, ten)
            assert st == 413, (path, st, body)

        def chunks():
            for _ in range(40):
                yield b"z" * (512 * 1024)
        c = http.client.HTTPConnection(servers.LOOPBACK, d.web_port, timeout=30)
        try:
            c.request("POST", "/complaint", body=chunks(), encode_chunked=True,
                      headers={"Content-Type": "application/x-www-form-urlencoded",
                               "Transfer-Encoding": "chunked"})
            st = c.getresponse().status
            assert st == 413, st
        except (ConnectionError, http.client.HTTPException, BrokenPipeError):
            pass  # closed after DRAIN_FACTOR x the limit: also acceptable
        finally:
            c.close()
        # a 7 MB post with a 6 MB attachment over max_attachment_size (5M): 400
        body, ctype = multipart(dict(GOOD), [("attachments", "big.pdf", "application/pdf",
                                              b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024))])
        st, _, page = request(d, "POST", "/complaint", body, {"Content-Type": ctype})
        assert st == 400 and 'id="attachments-error"' in page.decode(), st
        assert request(d, "GET", "/healthz")[0] == 200
        # the survey takes a rating and a comment: 413 at once above 32 KB
        st, body = send_big(d, "/survey", "application/x-www-form-urlencoded", 40000)
        assert st == 413, (st, body)
        # a GET or HEAD with a body is answered, the body not read
        for method in ("GET", "HEAD"):
            st, _, _ = request(d, method, "/healthz", b"hello", {"Content-Length": "5"})
            assert st == 200, (method, st)
        assert complaints(srv) == 0
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_bodies_held_bounded(srv, bindir):
    """Bodies are held in memory until answered: together at most eight of
    [web] max_body_size. A post beyond that gets 503 with Retry-After (its
    bytes not kept); once the others end, posts are taken again."""
    d = start(srv, bindir, web={"max_body_size": "64K", "max_attachment_size": "32K",
                                "rate_limit": "0"})
    holders = []
    try:
        body = urllib.parse.urlencode(dict(GOOD, description="长" * 6700)).encode()
        assert 60000 < len(body) < 64 * 1024, len(body)
        head = ("POST /complaint HTTP/1.1\r\nHost: x\r\nContent-Type: "
                "application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body) + 8}\r\n\r\n").encode()
        for _ in range(8):  # each holds its body, unfinished
            s = socket.create_connection((servers.LOOPBACK, d.web_port), timeout=10)
            s.sendall(head + body)
            holders.append(s)
        # the holders' bytes are counted as the workers read them
        wait_for("the held bodies counted", lambda: metric(
            d, "complaintd_web_body_bytes_held") == 8 * len(body), 60)
        st, h, page = request(d, "POST", "/complaint", body,
                              {"Content-Type": "application/x-www-form-urlencoded"})
        assert st == 503 and h.get("retry-after") == "5", (st, h, page)
        assert b"web post refused: " in d.log_text()
        for s in holders:
            s.close()
        holders = []
        wait_for("the held bodies released", lambda: metric(
            d, "complaintd_web_body_bytes_held") == 0, 30)
        good = urllib.parse.urlencode(GOOD).encode()
        wait_for("posts taken again", lambda: request(
            d, "POST", "/complaint", good,
            {"Content-Type": "application/x-www-form-urlencoded"})[0] == 303, 30)
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        for s in holders:
            s.close()
        d.close()


def test_rate_limit_and_honeypot(srv, bindir):
    """The 4th post in a window from one address: 429 with Retry-After;
    another address (127.0.0.2) is not affected; through a trusted proxy
    the X-Forwarded-For client counts. A filled honeypot looks like success
    and stores nothing."""
    d = start(srv, bindir, web={"rate_limit": "3", "rate_window": "1h",
                                "trusted_proxies": "127.0.0.3"})
    try:
        st, h, _ = post_form(d, dict(GOOD, website="http://spam.example"))
        assert st == 303 and "ref=" not in h["location"], h
        assert complaints(srv) == 0
        assert metric(d, "complaintd_web_posts_total", 'outcome="honeypot"') == 1
        for _ in range(2):
            assert post_form(d, dict(GOOD, email="bad"))[0] == 400
        st, h, _ = post_form(d, GOOD)
        assert st == 429 and 3000 < int(h["retry-after"]) <= 3600, (st, h)
        st, h, body = post_json(d, GOOD)
        assert st == 429 and "retry-after" in h and json.loads(body)["error"]
        assert post_form(d, dict(GOOD, email="bad"), source="127.0.0.2")[0] == 400
        # behind the proxy: each forwarded client has its own window
        for i in range(3):
            st, _, _ = post_form(d, dict(GOOD, email="bad"), source="127.0.0.3",
                                 headers={"X-Forwarded-For": "198.51.100.7"})
            assert st == 400, st
        st, _, _ = post_form(d, dict(GOOD, email="bad"), source="127.0.0.3",
                             headers={"X-Forwarded-For": "198.51.100.7"})
        assert st == 429
        st, _, _ = post_form(d, dict(GOOD, email="bad"), source="127.0.0.3",
                             headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.8"})
        assert st == 400, "a spoofed left-most entry must not count as the client"
        assert b"client=198.51.100.7" in d.log_text()
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_slow_clients(srv, bindir):
    """Idle and trickling clients are cut off: an idle connection after
    connection_timeout, a body trickled faster than that but for longer
    than request_timeout; with the per-address limit taken by tricklers, a
    client from another address is still served."""
    d = start(srv, bindir, web={"connection_timeout": "2s", "request_timeout": "4s",
                                "max_connections_per_ip": "8"})
    try:
        idle = socket.create_connection((servers.LOOPBACK, d.web_port))
        idle.sendall(b"GET /complaint HTTP/1.1\r\nHost: x\r\n")
        idle.settimeout(10)
        t0 = time.monotonic()
        assert idle.recv(100) == b"", "idle connection not closed"
        assert time.monotonic() - t0 < 6
        idle.close()
        s = socket.create_connection((servers.LOOPBACK, d.web_port))
        s.sendall(b"POST /complaint HTTP/1.1\r\nHost: x\r\nContent-Type: "
                  b"application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n")
        t0 = time.monotonic()
        closed = False
        while time.monotonic() - t0 < 15:
            try:
                s.sendall(b"a")
            except OSError:
                closed = True
                break
            time.sleep(1)
        elapsed = time.monotonic() - t0
        s.close()
        assert closed and elapsed < 10, f"trickle not cut off ({elapsed:.1f}s)"
        socks = []
        for _ in range(12):
            try:
                c = socket.create_connection((servers.LOOPBACK, d.web_port))
                c.sendall(b"GET /compl")
                socks.append(c)
            except OSError:
                break
        st, _, _ = request(d, "GET", "/healthz", source="127.0.0.2")
        assert st == 200
        for c in socks:
            c.close()
        assert d.alive()
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_health_metrics_and_db_outage(srv, bindir):
    """/healthz 200 and /metrics in Prometheus format; with MariaDB down,
    /healthz 503 and a post 503 with Retry-After (nothing acknowledged);
    back up, posts work again."""
    d = start(srv, bindir)
    try:
        st, _, body = request(d, "GET", "/healthz")
        assert st == 200 and body == b"ok\n"
        st, h, body = request(d, "GET", "/metrics")
        text = body.decode()
        assert st == 200 and h["content-type"].startswith("text/plain; version=0.0.4")
        for name in ("complaintd_messages_ingested_total", "complaintd_complaints_total",
                     "complaintd_outbox_depth", "complaintd_outbox_failures_total",
                     "complaintd_imap_poll_errors_total", "complaintd_http_requests_total"):
            assert f"# TYPE {name} " in text, name
        srv.db.stop()
        try:
            st, _, body = request(d, "GET", "/healthz")
            # a plain word for the client: no server error text, host or port
            assert st == 503 and body == b"database unavailable\n", (st, body)
            assert b"healthz: database unavailable:" in d.log_text()
            st, h, _ = post_form(d, GOOD)
            assert st == 503 and h.get("retry-after") == "30", (st, h)
        finally:
            srv.db.start()
        wait_for("healthz 200", lambda: request(d, "GET", "/healthz")[0] == 200, 30)
        st, h, _ = post_form(d, GOOD)
        assert st == 303, st
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def test_answer_day_on_confirmation(srv, bindir):
    """Posted on Friday 2026-12-04 10:00 (Shanghai) with Monday a holiday:
    the confirmation page, in either language, and the API answer name
    the feedback deadline, Thursday the 10th, as the acknowledgement mail
    does; the day travels in the redirect, and a page given a bad one
    shows none."""
    import datetime
    cst = datetime.timezone(datetime.timedelta(hours=8))
    posted = datetime.datetime(2026, 12, 4, 10, tzinfo=cst)
    d = Daemon(srv, bindir, mailboxes=[], web=True,
               extra={"deadlines": {"calendar_file": "calendar"}})
    with open(os.path.join(d.dir, "calendar"), "w") as f:
        f.write("timezone = Asia/Shanghai\n2026-12-07 holiday 测试假日\n")
    try:
        d.migrate()
        d.start(env={"COMPLAINTD_CLOCK_OFFSET": str(int(posted.timestamp() - time.time()))})
        d.wait_web()
        st, h, body = post_form(d, dict(GOOD, token=uuid.uuid4().hex, lang="zh"))
        assert st == 303 and "by=2026-12-10" in h["location"], (st, h.get("location"))
        ref = ref_of_location(h["location"])
        path = urllib.parse.urlsplit(h["location"])
        path = path.path + "?" + path.query
        st, _, page = request(d, "GET", path)
        page = page.decode()
        assert st == 200 and '<p id="answer-by">' in page and "2026年12月10日" in page, page
        st, _, page = request(d, "GET", path.replace("lang=zh", "lang=en"))
        assert "10 December 2026" in page.decode(), page
        assert "by=2026-12-10" in page.decode(), "the language switch drops the day"
        wait_for("acknowledgement", lambda: acks(srv), 30)
        assert "2026年12月10日" in acks(srv)[0].get_body(("plain",)).get_content()

        st, _, body = post_json(d, dict(GOOD, token=uuid.uuid4().hex, lang="en"))
        assert st == 201 and json.loads(body)["answer_by"] == "2026-12-10", body

        # nasty days: none is shown, nothing is echoed
        for bad in ("2026-02-30", "2026-12-1", "20261210", "2026-12-10%0d%0aX:%20y",
                    "%3Cscript%3E", "2026-12-10T00:00", "9999-12-31", "-2026-12-10", ""):
            st, _, page = request(d, "GET", f"/complaint/done?ref={ref}&by={bad}&lang=en")
            page = page.decode()
            assert st == 200 and 'id="answer-by"' not in page, (bad, page)
            assert "<script>" not in page and "X: y" not in page
        assert d.stop() == 0
        d.assert_clean_log()
    finally:
        d.close()


def facts(srv, ref):
    return {r[0]: (r[1], r[2]) for r in query(
        srv, "SELECT f.name, f.value, f.source FROM complaint_facts f JOIN complaints c"
        " ON c.id = f.complaint_id WHERE c.ref = %s", (ref,))}


def test_form_facts(srv, bindir):
    """The purchase fields and the demand (a select) become the complaint's
    facts, source form, and win over what the rules find in the text; a
    demand not in the list is an error next to the select, in the page's
    language, and the choice stays selected; the API takes "demand" too."""
    d = start(srv, bindir)
    try:
        st, _, body = request(d, "GET", "/complaint")
        page = body.decode()
        assert '<select id="demand" name="demand">' in page, page
        for v in ("refund", "exchange", "repair", "compensation", "apology"):
            assert f'<option value="{v}">' in page, v
        fields = dict(GOOD, token="t-" + uuid.uuid4().hex, demand="repair",
                      description="型号 ZZ-1 的电水壶漏水，订单号：99990000，要求退款。")
        st, h, _ = post_form(d, fields)
        assert st == 303, st
        ref = ref_of_location(h["location"])
        wait_for("the complaint", lambda: facts(srv, ref), 30)
        # the phone as complaints keep it (normalised), so forget and list --phone find it
        f = facts(srv, ref)
        assert f == {"phone": ("+8613800000000", "form"),
                     "order_no": ("SO-2024-0501", "form"),
                     "product": ("电水壶 K-200", "form"),
                     "purchase_place": ("北京旗舰店", "form"),
                     "purchase_date": ("2024-05-01", "form"),
                     "demand": ("repair", "form")}, f

        # only a description: the rules' facts, source mail
        st, h, _ = post_form(d, {"name": "李四", "email": "li.si@customer.example",
                                 "token": "t-" + uuid.uuid4().hex,
                                 "description": "型号 ZZ-1 的电水壶漏水，订单号：99990000，要求退款。"})
        ref2 = ref_of_location(h["location"])
        wait_for("the second complaint", lambda: facts(srv, ref2), 30)
        assert facts(srv, ref2) == {"product": ("ZZ-1", "mail"),
                                    "order_no": ("99990000", "mail"),
                                    "demand": ("refund", "mail")}, facts(srv, ref2)

        # a demand that is not in the list
        for lang, msg in (("zh", "请从列表中选择诉求。"),
                          ("en", "Please choose what you ask for from the list.")):
            bad = dict(GOOD, token="t-" + uuid.uuid4().hex, demand="money", lang=lang,
                       order_no="KEEP-1")
            st, _, body = post_form(d, bad)
            page = body.decode()
            assert st == 400, st
            assert f'<p class="error" id="demand-error">{msg}</p>' in page, page
            assert 'value="KEEP-1"' in page
        st, _, body = post_form(d, dict(GOOD, token="t-" + uuid.uuid4().hex,
                                        demand="apology", email="not-an-address"))
        assert st == 400 and '<option value="apology" selected>' in body.decode()

        st, _, body = post_json(d, dict(GOOD, token="a-" + uuid.uuid4().hex,
                                        demand="compensation"))
        assert st == 201, (st, body)
        assert facts(srv, json.loads(body)["ref"])["demand"] == ("compensation", "form")
        st, _, body = post_json(d, dict(GOOD, token="a-" + uuid.uuid4().hex, demand="退款"))
        assert st == 400 and "demand" in body.decode(), (st, body)
        assert complaints(srv) == 3
    finally:
        d.close()


def test_stylesheet(srv, bindir):
    """The pages link one stylesheet the daemon serves from the templates
    directory; an administrator's edit shows at the next request, a missing
    file is a 404; the page's CSP lets it (and only the site's own) load."""
    tmp = os.path.join(os.environ.get("TMPDIR", "/tmp"), "ctd-tmpl-" + uuid.uuid4().hex)
    shutil.copytree(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                 "templates"), tmp)
    d = start(srv, bindir, extra={"daemon": {"templates_dir": tmp}})
    try:
        st, h, body = request(d, "GET", "/complaint?lang=en")
        page = body.decode()
        # [web] base_url in front (none here: the path alone)
        assert '<link rel="stylesheet" href="/complaint/style.css">' in page, page
        assert "style-src 'self'" in h["content-security-policy"], h
        assert "<style>" not in page
        st, h, css = request(d, "GET", "/complaint/style.css")
        assert st == 200 and h["content-type"] == "text/css; charset=utf-8", (st, h)
        with open(os.path.join(tmp, "form.css"), "rb") as f:
            assert css == f.read()
        assert b".actions" in css and b"@media" in css
        with open(os.path.join(tmp, "form.css"), "a") as f:
            f.write("\n/* the administrator's own */ body { background: #fafafa; }\n")
        st, _, css = request(d, "GET", "/complaint/style.css")
        assert st == 200 and b"the administrator's own" in css, css[-200:]
        os.unlink(os.path.join(tmp, "form.css"))
        st, _, _ = request(d, "GET", "/complaint/style.css")
        assert st == 404, st
        st, _, body = request(d, "GET", "/complaint/done?ref=CMP-1")
        assert "/complaint/style.css" in body.decode()
        st, _, _ = request(d, "POST", "/complaint/style.css", b"x",
                           {"Content-Type": "text/css"})
        assert st == 405, st
    finally:
        d.close()
        shutil.rmtree(tmp, ignore_errors=True)


TESTS = [test_form_facts, test_stylesheet, test_form_page_languages, test_form_post_to_ack, test_multipart_with_attachment,
         test_validation_errors_kept_input, test_api_and_double_submit, test_posts_at_once_committed_together, test_posts_at_once_per_connection, test_api_language,
         test_injection_stored_verbatim_rendered_escaped, test_invalid_utf8,
         test_body_limits, test_bodies_held_bounded, test_rate_limit_and_honeypot, test_slow_clients,
         test_health_metrics_and_db_outage, test_tls_listener, test_answer_day_on_confirmation]


def main():
    return run_tests("web", TESTS, sys.argv[1:], servers_kw={"imap": False},
                     reset_kw={"folders": ()})


if __name__ == "__main__":
    sys.exit(main())
