#!/usr/bin/python3
"""Writes the sample mails in tests/data/mail/ and tests/data/hostile/.

Run from the repository root: /usr/bin/python3 tests/data/gen_mail.py
The .eml files are committed; this script documents how the binary-charset
ones (GBK, Big5, ISO-2022-JP, winmail.dat, ...) were made and remakes them.
Deterministic: no clocks, no randomness without a fixed seed.
"""
import base64
import os
import quopri
import random
import struct
from email.header import Header

ROOT = os.path.dirname(os.path.abspath(__file__))
MAIL = os.path.join(ROOT, "mail")
HOSTILE = os.path.join(ROOT, "hostile")
DATE = "Tue, 01 Apr 2025 09:30:00 +0800"

# (file, category, severity, lang, sender name, subject, body)
COMPLAINTS_ZH = [
    ("zh_quality_kettle", "quality", "C", "王芳", "电热水壶漏水",
     "您好，我上个月在贵公司官网购买的电热水壶（型号 KT-1720，订单号 20250312001）使用两周就开始底部漏水，"
     "请尽快安排更换或维修。"),
    ("zh_quality_injury", "quality", "A", "刘强", "手机充电器爆炸导致手部烧伤",
     "我于3月5日购买的快充充电器在充电时突然爆炸，造成我右手烫伤，已到医院就诊并有病历。"
     "请贵公司给出解释并赔偿医疗费用，否则我将起诉。"),
    ("zh_quality_media", "quality", "A", "陈静", "洗衣机质量问题，已联系电视台",
     "洗衣机买了不到三个月，滚筒异响、漏电，三次维修都没有修好。我已经联系了省电视台的《消费者之声》栏目，"
     "他们表示会来采访。"),
    ("zh_quality_12315", "quality", "B", "赵磊", "空调不制冷，已投诉12315",
     "空调安装后一直不制冷，售后说是正常现象。我已经拨打12315投诉，如果一周内不解决就去消费者协会。"),
    ("zh_quality_crack", "quality", "C", "孙丽", "保温杯外壳开裂",
     "新买的保温杯外壳有裂纹，收货时包装完好，应该是出厂质量问题，希望退换。"),
    ("zh_quality_smell", "quality", "C", "周敏", "床垫有刺鼻气味",
     "床垫到货后一直有很重的刺鼻气味，通风一周仍未散去，担心甲醛超标，请给出检测报告。"),
    ("zh_quality_lawsuit", "quality", "A", "吴刚", "电动车电池起火，律师函",
     "我家电动车电池在楼道充电时起火，烧毁了部分家具。我已委托律师，将向法院提起诉讼，律师函随后寄出。"),
    ("zh_service_rude", "service", "C", "郑洁", "客服态度恶劣",
     "昨天打电话咨询退货，客服人员态度非常差，说话不耐烦还直接挂断电话，希望贵公司加强员工培训。"),
    ("zh_service_delivery", "service", "C", "冯涛", "快递一直没有送到",
     "订单20250320088已经付款十天了，物流信息一直停留在中转站，联系客服也没有结果。"),
    ("zh_service_repair", "service", "B", "褚燕", "维修人员多次爽约，将向市场监管局投诉",
     "预约了三次上门维修，维修人员都没来，也没有提前通知。如果再不处理，我将向市场监督管理局投诉。"),
    ("zh_service_petition", "service", "A", "卫东", "售后推诿，准备到省里上访",
     "为了一台冰箱的售后问题我跑了半年，各部门互相推诿。我已经准备好材料，下周去省政府信访办上访。"),
    ("zh_service_install", "service", "C", "蒋华", "安装师傅乱收费用",
     "安装热水器时师傅额外收取了200元材料费，没有开收据，请核实。"),
    ("zh_service_wait", "service", "C", "沈平", "售后电话一直打不通",
     "售后热线连续三天都打不通，在线客服也一直排队，请问到底怎样才能联系到你们？"),
    ("zh_service_consumer_assoc", "service", "B", "韩梅", "退货被拒，已向消协反映",
     "七天无理由退货被拒绝，理由是包装已拆。我已向区消费者协会反映，请贵公司尽快回复。"),
    ("zh_price_double", "price", "C", "杨帆", "重复扣款",
     "我在3月18日下单一次，信用卡却被扣款两次，共计2598元，请退还多扣的1299元。"),
    ("zh_price_ad", "price", "B", "朱琳", "虚假宣传，价格与广告不符",
     "广告上写的活动价是899元，结账时却是1099元。这属于虚假宣传，我已截图并准备向12315举报。"),
    ("zh_price_refund", "price", "C", "秦岭", "退款迟迟不到账",
     "退货已经签收两周，退款一直显示处理中，请尽快退款。"),
    ("zh_price_contract", "price", "C", "尤佳", "合同价格与实际收费不一致",
     "合同约定的安装费是150元，实际收了300元，请按合同退还差价。"),
    ("zh_price_news", "price", "A", "许亮", "价格欺诈，已向报社爆料",
     "同一款电视在门店标价比官网贵了800元，店员还说是最低价。我已经把情况发给了《南方都市报》的记者。"),
    ("zh_infringement_fake", "infringement", "B", "何雪", "网店销售假冒贵公司产品",
     "我在某电商平台买到的贵品牌剃须刀是假货，防伪码查询无效，做工粗糙。我已向当地市场监管部门举报。"),
    ("zh_infringement_design", "infringement", "C", "吕明", "发现有厂家抄袭贵公司外观设计",
     "在展会上看到一家厂商的产品外观和贵公司的新款几乎一模一样，特此告知。"),
    ("zh_infringement_trademark", "infringement", "C", "施琪", "有人冒用贵公司商标",
     "我所在城市有一家门店挂着贵公司的商标，但店员说不是授权店，请核实。"),
    ("zh_infringement_court", "infringement", "A", "张伟", "贵公司产品侵犯我方专利，将提起诉讼",
     "贵公司新款吸尘器的结构侵犯了我方发明专利（专利号ZL201810000000.1），我方将向知识产权法院提起诉讼。"),
    ("zh_other_suggestion", "other", "C", "孔莉", "对说明书的建议",
     "产品说明书字体太小，老人看不清楚，建议增加大字版。"),
    ("zh_other_inquiry", "other", "C", "曹阳", "咨询会员积分",
     "请问会员积分多久过期？在哪里可以查询？"),
    ("zh_quality_provincial", "quality", "A", "严冬", "燃气灶故障，已向省市场监管局举报",
     "燃气灶点火后无法熄灭，险些引发火灾。我已经向省市场监督管理局书面举报，要求召回。"),
    ("zh_service_threat_media", "service", "B", "华清", "再不处理就找媒体曝光",
     "投诉三次都没人管，如果这周还不给答复，我就把聊天记录发到网上，找媒体曝光。"),
]

COMPLAINTS_BIG5 = [
    ("big5_quality_phone", "quality", "C", "陳美玲", "手機螢幕出現亮點",
     "購買不到一個月的手機螢幕出現多個亮點，請協助更換新機。"),
    ("big5_service_delivery", "service", "C", "林志明", "配送延誤且態度不佳",
     "訂單已經延誤一週，客服人員態度冷淡，沒有給出任何解決方案。"),
    ("big5_price_overcharge", "price", "B", "黃淑芬", "多收費用，已向消基會申訴",
     "結帳時被多收了新台幣一千元，我已經向消費者文教基金會申訴。"),
]

COMPLAINTS_EN = [
    ("en_quality_blender", "quality", "C", "John Miller", "Blender stopped working after a week",
     "Hello,\n\nThe blender I bought on 3 March (order 77812) stopped working after one week. "
     "The motor makes a burning smell. Please replace it.\n\nRegards,\nJohn"),
    ("en_quality_injury", "quality", "A", "Sarah Jones", "Heater burned my child",
     "Your space heater's casing got so hot that my son burned his hand and needed treatment at the "
     "hospital. I expect a full explanation and compensation."),
    ("en_quality_lawsuit", "quality", "A", "Robert Brown", "Defective ladder - legal action",
     "The ladder collapsed under normal use and I fell. My attorney will be filing a lawsuit against "
     "your company next week."),
    ("en_quality_paint", "quality", "C", "Emily Clark", "Paint peeling off the new chair",
     "The paint on the chair I received is already peeling off in several places."),
    ("en_service_rude", "service", "C", "Michael Davis", "Rude support agent",
     "The agent I spoke to yesterday was rude and hung up on me. This is not acceptable."),
    ("en_service_bbb", "service", "B", "Linda Wilson", "No response - filing with consumer protection",
     "I have emailed four times about my warranty claim without any reply. If I do not hear back by "
     "Friday I will file a complaint with the state consumer protection office and the Better Business Bureau."),
    ("en_service_delivery", "service", "C", "David Taylor", "Package never arrived",
     "Tracking says delivered but nothing arrived. Please investigate and resend."),
    ("en_service_news", "service", "A", "Jennifer White", "Contacting the press about your service",
     "After three months without a working fridge I have contacted a reporter at the local newspaper "
     "and a TV consumer show about how your company treats customers."),
    ("en_price_charged_twice", "price", "C", "James Harris", "Charged twice for one order",
     "My card was charged twice for order 99120. Please refund the duplicate payment of $249."),
    ("en_price_misleading", "price", "B", "Patricia Martin", "Misleading advertised price",
     "The advertised sale price was $399 but I was charged $479 at checkout. I will report this to "
     "the consumer association if it is not corrected."),
    ("en_price_refund", "price", "C", "Daniel Thompson", "Refund still not received",
     "I returned the item three weeks ago and still have not received my refund."),
    ("en_infringement_counterfeit", "infringement", "C", "Nancy Garcia", "Counterfeit products on a marketplace",
     "I bought what was sold as your brand headphones on an online marketplace. They are clearly "
     "counterfeit: the logo is wrong and the serial number does not exist."),
    ("en_infringement_patent", "infringement", "A", "Mark Robinson", "Patent infringement - we will sue",
     "Your new model X2 infringes our patent US 9,999,999. Our lawyers will file suit in federal court "
     "unless you cease sales."),
    ("en_other_question", "other", "C", "Karen Lewis", "Question about warranty period",
     "How long is the warranty on the model K20 vacuum cleaner?"),
    ("en_other_thanks", "other", "C", "Steven Walker", "Feedback on your store",
     "Just wanted to say the new store layout is confusing; signs would help."),
    ("en_quality_ministry", "quality", "A", "Laura Hall", "Reported unsafe toy to national regulator",
     "The toy's small parts come off easily; I have reported it to the national product safety "
     "commission and asked for a recall."),
]

SEQ = [0]


def msgid(name):
    SEQ[0] += 1
    return "<%s.%04d@customer.example>" % (name, SEQ[0])


def b64(data):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def qp(data):
    return quopri.encodestring(data).decode()


def ew(text, charset, enc="B"):
    """one RFC 2047 encoded-word"""
    data = text.encode(charset)
    if enc == "B":
        return "=?%s?B?%s?=" % (charset, base64.b64encode(data).decode())
    return "=?%s?Q?%s?=" % (charset, "".join(
        "=%02X" % c if c > 126 or c in b"=?_ \t" or c < 33 else chr(c) for c in data))


def headers(name, addr, subject_hdr, cat, sev, extra=""):
    return ("Return-Path: <%s>\nFrom: %s <%s>\nTo: complaints@company.example\n"
            "Subject: %s\nDate: %s\nMessage-ID: %s\nMIME-Version: 1.0\n"
            "X-Expected-Category: %s\nX-Expected-Severity: %s\n%s"
            % (addr, name, addr, subject_hdr, DATE, msgid(cat), cat, sev, extra))


def write(folder, fname, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, fname + ".eml"), "wb") as f:
        f.write(data)


def zh_mail(i, item):
    fname, cat, sev, name, subj, body = item
    addr = "customer%02d@mail.example.cn" % i
    style = i % 7
    if style == 0:    # UTF-8, base64 body, B-encoded headers
        h = headers(ew(name, "utf-8"), addr, ew(subj, "utf-8"), cat, sev)
        return h + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" + b64(body.encode()) + "\n"
    if style == 1:    # GBK, subject split into words with a character cut in two
        raw = subj.encode("gbk")
        cut = 3 if len(raw) > 6 else 1  # odd offset: splits a two-byte char
        words = ["=?gbk?B?%s?=" % base64.b64encode(raw[a:b]).decode()
                 for a, b in ((0, cut), (cut, len(raw) // 2 + 1), (len(raw) // 2 + 1, len(raw)))]
        h = headers(ew(name, "gbk"), addr, "\n ".join(words), cat, sev)
        return h + "Content-Type: text/plain; charset=gbk\nContent-Transfer-Encoding: base64\n\n" + b64(body.encode("gbk")) + "\n"
    if style == 2:    # GB2312 quoted-printable, Q-encoded subject
        h = headers(ew(name, "gb2312", "Q"), addr, ew(subj, "gb2312", "Q"), cat, sev)
        return (h + "Content-Type: text/plain; charset=gb2312\nContent-Transfer-Encoding: quoted-printable\n\n").encode() + qp(body.encode("gb18030")).encode() + b"\n"
    if style == 3:    # GB18030 8bit body, raw 8-bit subject (no encoded-word)
        h = headers(name, addr, subj, cat, sev)
        return (h + "Content-Type: text/plain; charset=GB18030\nContent-Transfer-Encoding: 8bit\n\n" + body + "\n").encode("gb18030")
    if style == 4:    # HTML only, UTF-8
        h = headers(ew(name, "utf-8"), addr, ew(subj, "utf-8"), cat, sev)
        html = "<html><head><style>p{color:red}</style></head><body><p>%s</p><p>此致<br>敬礼</p></body></html>" % body
        return h + "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" + b64(html.encode()) + "\n"
    if style == 5:    # multipart/alternative, GBK plain + HTML
        h = headers(ew(name, "gbk"), addr, ew(subj, "gbk"), cat, sev)
        html = "<div>%s</div>" % body
        return (h + 'Content-Type: multipart/alternative; boundary="alt-%d"\n\n--alt-%d\n'
                'Content-Type: text/plain; charset="gbk"\nContent-Transfer-Encoding: base64\n\n%s\n'
                '--alt-%d\nContent-Type: text/html; charset="gbk"\nContent-Transfer-Encoding: base64\n\n%s\n--alt-%d--\n'
                % (i, i, b64(body.encode("gbk")), i, b64(html.encode("gbk")), i))
    # style 6: multipart/mixed with a photo attachment, RFC 2231 file name
    h = headers(ew(name, "utf-8"), addr, ew(subj, "utf-8"), cat, sev)
    photo = bytes(range(256)) * 4
    fn = "故障照片.jpg".encode()
    fn2231 = "".join("%%%02X" % c for c in fn)
    return (h + 'Content-Type: multipart/mixed; boundary="mix-%d"\n\n--mix-%d\n'
            'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n'
            '--mix-%d\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n'
            "Content-Disposition: attachment; filename*=utf-8''%s\n\n%s\n--mix-%d--\n"
            % (i, i, body, i, fn2231, b64(photo), i))


def big5_mail(i, item):
    fname, cat, sev, name, subj, body = item
    addr = "tw%02d@mail.example.tw" % i
    if i % 2:
        h = headers(ew(name, "big5"), addr, ew(subj, "big5"), cat, sev)
    else:  # raw 8-bit Big5 headers, charset named only in the body part
        h = headers(name, addr, subj, cat, sev)
        return (h + "Content-Type: text/plain; charset=big5\nContent-Transfer-Encoding: 8bit\n\n" + body + "\n").encode("big5")
    return h + "Content-Type: text/plain; charset=big5\nContent-Transfer-Encoding: base64\n\n" + b64(body.encode("big5")) + "\n"


def en_mail(i, item):
    fname, cat, sev, name, subj, body = item
    addr = "%s@example.com" % name.lower().replace(" ", ".")
    style = i % 4
    if style == 0:
        h = headers('"%s"' % name, addr, subj, cat, sev)
        return h + "Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n" + body + "\n"
    if style == 1:  # quoted-printable, windows-1252 smart quotes
        body2 = body.replace("I ", "I\u2019m writing because I ", 1)
        h = headers(name, addr, subj, cat, sev)
        return (h + "Content-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n\n").encode() + qp(body2.encode("cp1252")).encode() + b"\n"
    if style == 2:  # alternative with HTML first in the wrong order for good measure
        h = headers(name, addr, subj, cat, sev)
        html = "<p>%s</p>" % body.replace("\n\n", "</p><p>")
        return (h + 'Content-Type: multipart/alternative; boundary="b%d"\n\n--b%d\nContent-Type: text/plain; charset=utf-8\n\n%s\n'
                '--b%d\nContent-Type: text/html; charset=utf-8\n\n%s\n--b%d--\n' % (i, i, body, i, html, i))
    h = headers(name, addr, subj, cat, sev)
    html = "<html><body><h1>Complaint</h1><p>%s</p><ul><li>Order attached</li></ul></body></html>" % body
    return (h + "Content-Type: text/html; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n").encode() + qp(html.encode("latin-1")).encode() + b"\n"


# ---- TNEF (winmail.dat) ------------------------------------------------------

def tnef_attr(level, attr_id, data):
    return struct.pack("<BII", level, attr_id, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def tnef(files):
    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += tnef_attr(1, 0x00089006, struct.pack("<I", 0x00010000))      # attTnefVersion
    out += tnef_attr(1, 0x00069007, struct.pack("<II", 1252, 0))          # attOemCodepage
    out += tnef_attr(1, 0x00078008, b"IPM.Microsoft Mail.Note\0")         # attMessageClass
    for name, data in files:
        out += tnef_attr(2, 0x00069002, struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0, 0, 0))  # attAttachRenddata
        out += tnef_attr(2, 0x00018010, name.encode("cp1252") + b"\0")   # attAttachTitle
        out += tnef_attr(2, 0x0006800F, data)                             # attAttachData
    return out


def special_mails():
    m = {}
    m["sp_winmail"] = headers("Outlook User", "outlook.user@corp.example", "Invoice discrepancy, see attachment",
                              "price", "C") + (
        'Content-Type: multipart/mixed; boundary="w"\n\n--w\nContent-Type: text/plain; charset=us-ascii\n\n'
        "The invoice total does not match the quoted price; details are in the attached spreadsheet.\n"
        '--w\nContent-Type: application/ms-tnef; name="winmail.dat"\nContent-Transfer-Encoding: base64\n'
        'Content-Disposition: attachment; filename="winmail.dat"\n\n%s\n--w--\n'
        % b64(tnef([("invoice.csv", b"item,price\nkettle,199\n"), ("quote.txt", b"quoted price 159\n")])))
    m["sp_ooo_autoreply"] = (
        "From: Zhang Min <zhang.min@partner.example>\nTo: complaints@company.example\n"
        "Subject: Automatic reply: Your complaint reference C-2025-0001\nDate: %s\n"
        "Message-ID: <ooo1@partner.example>\nAuto-Submitted: auto-replied\nX-Auto-Response-Suppress: All\n"
        "X-Expected-Category: other\nX-Expected-Severity: C\nContent-Type: text/plain; charset=utf-8\n\n"
        "I am out of the office until 10 April with limited access to e-mail.\n" % DATE)
    m["sp_ooo_zh"] = (
        "From: =?utf-8?B?%s?= <li@partner.example>\nTo: complaints@company.example\n"
        "Subject: %s\nDate: %s\nMessage-ID: <ooo2@partner.example>\nX-Autoreply: yes\n"
        "X-Expected-Category: other\nX-Expected-Severity: C\nContent-Type: text/plain; charset=utf-8\n\n"
        "我正在休假，4月7日返回。\n" % (base64.b64encode("李经理".encode()).decode(), ew("自动回复：您的投诉已收到", "utf-8"), DATE))
    m["sp_bounce_511"] = (
        "Return-Path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@mx.company.example>\n"
        "To: complaints@company.example\nSubject: Undelivered Mail Returned to Sender\nDate: %s\n"
        "Message-ID: <bounce1@mx.company.example>\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
        "X-Expected-Category: other\nX-Expected-Severity: C\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"\n\n'
        "--dsn\nContent-Type: text/plain; charset=us-ascii\n\nYour message could not be delivered.\n\n"
        "--dsn\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.company.example\n\n"
        "Final-Recipient: rfc822; Nobody@Customer.Example\nOriginal-Recipient: rfc822;nobody@customer.example\n"
        "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <nobody@customer.example>: user unknown\n\n"
        "--dsn\nContent-Type: text/rfc822-headers\n\nFrom: complaints@company.example\nTo: nobody@customer.example\n"
        "Subject: Re: your complaint\nMessage-ID: <ack-C-2025-0042@company.example>\n\n--dsn--\n" % DATE)
    m["sp_bounce_rfc822"] = (
        "From: postmaster@relay.example\nTo: complaints@company.example\nSubject: Delivery Status Notification (Failure)\n"
        "Date: %s\nMessage-ID: <bounce2@relay.example>\nMIME-Version: 1.0\n"
        "X-Expected-Category: other\nX-Expected-Severity: C\n"
        'Content-Type: multipart/report; report-type="delivery-status"; boundary="r2"\n\n'
        "--r2\nContent-Type: text/plain\n\nDelivery failed.\n--r2\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; relay.example\n\nFinal-Recipient: rfc822; <gone@customer.example>\nAction: failed\n"
        "Status: 5.2.1 (mailbox disabled)\n\n--r2\nContent-Type: message/rfc822\n\nFrom: complaints@company.example\n"
        "To: gone@customer.example\nSubject: ack\nMessage-ID: <ack-C-2025-0043@company.example>\n\nbody\n--r2--\n" % DATE)
    m["sp_list"] = (
        "From: Newsletter <news@shop.example>\nTo: complaints@company.example\nSubject: Spring sale - 30%% off\n"
        "Date: %s\nMessage-ID: <list1@shop.example>\nList-Id: <offers.shop.example>\n"
        "List-Unsubscribe: <mailto:unsub@shop.example>\nPrecedence: bulk\n"
        "X-Expected-Category: other\nX-Expected-Severity: C\nContent-Type: text/plain\n\nBig sale this week.\n" % DATE)
    m["sp_iso2022jp"] = (headers("=?ISO-2022-JP?B?%s?=" % base64.b64encode("山田太郎".encode("iso2022_jp")).decode(),
                                 "yamada@example.jp", ew("製品の不具合について", "iso-2022-jp"), "quality", "C")
                         + "Content-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n\n").encode() + \
        "購入した炊飯器が一週間で故障しました。交換をお願いします。\n".encode("iso2022_jp")
    m["sp_latin1"] = (headers("=?iso-8859-1?Q?Jos=E9_Mart=EDnez?=", "jose@example.es",
                              "=?iso-8859-1?Q?Queja_por_el_env=EDo?=", "service", "C")
                      + "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n").encode() + \
        "El envío llegó tarde y la caja estaba dañada. \x93Inaceptable\x94.\n".encode("latin-1")
    m["sp_wrong_charset"] = (headers("Wang", "wang@example.cn", "wrong charset label", "quality", "C")
                             + "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n").encode() + \
        "我买的吹风机用了三天就坏了，请给我换一个新的，谢谢。这是第二次出现同样的问题。\n".encode("gbk")
    m["sp_no_charset_gbk"] = (headers("Li", "li@example.cn", "no charset", "quality", "C")
                              + "Content-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n").encode() + \
        "电饭煲内胆涂层脱落，担心有害健康，要求退货并检测。\n".encode("gbk")
    m["sp_rfc2047_filename"] = (headers("Chen", "chen@example.cn", ew("附件测试", "utf-8"), "quality", "C")
                                + 'Content-Type: multipart/mixed; boundary="f"\n\n--f\nContent-Type: text/plain; charset=utf-8\n\n见附件。\n'
                                + '--f\nContent-Type: application/pdf; name="%s"\nContent-Disposition: attachment; filename="%s"\n'
                                  "Content-Transfer-Encoding: base64\n\n%s\n--f--\n"
                                % (ew("发票.pdf", "gbk"), ew("发票.pdf", "gbk"), b64(b"%PDF-1.4 fake\n")))
    m["sp_reply_thread"] = (
        "From: \"Wang, Fang\" <wang.fang@mail.example.cn>\nTo: complaints@company.example\nCc: Boss <boss@company.example>\n"
        "Reply-To: fang.reply@mail.example.cn\nSubject: Re: [C-2025-0007] 电热水壶漏水\nDate: %s\n"
        "Message-ID: <reply1@mail.example.cn>\nIn-Reply-To: <ack-C-2025-0007@company.example>\n"
        "References: <orig-7@mail.example.cn>\n <ack-C-2025-0007@company.example>\n"
        "X-Expected-Category: quality\nX-Expected-Severity: C\nContent-Type: text/plain; charset=utf-8\n\n"
        "请问什么时候可以上门更换？\n\n> 您的投诉已受理。\n" % DATE)
    return m


def hostile_mails():
    h = {}
    base = "From: a@example.com\nTo: b@example.com\nSubject: hostile\n"
    h["broken_boundary"] = base + 'Content-Type: multipart/mixed; boundary="abc"\n\n--abd\nContent-Type: text/plain\n\nwrong boundary\n--abc--\n'
    h["missing_final_boundary"] = base + 'Content-Type: multipart/mixed; boundary="abc"\n\n--abc\nContent-Type: text/plain\n\nno end boundary here\n'
    h["no_boundary_param"] = base + "Content-Type: multipart/mixed\n\n--x\nContent-Type: text/plain\n\nbody\n--x--\n"
    h["bad_base64"] = base + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n5Lit!!!5paH*** not base64 ====\n%%%\n"
    h["bad_qp"] = base + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n=E4=B8=AD=ZZ=4 broken =\n=\n"
    h["invalid_charset"] = (base + "Content-Type: text/plain; charset=x-no-such-charset-\x01\n\n").encode() + "乱码测试".encode("gbk") + b"\n"
    h["nul_in_header"] = (base.replace("Subject: hostile", "Subject: nul\0in\0subject") + "X-Nul: a\0b\n\nbody\n").encode()
    h["nul_in_body"] = (base + "Content-Type: text/plain; charset=utf-8\n\nbefore\0after\0\0end\n").encode()
    h["header_without_colon"] = "From a@example.com\nThis line has no colon\nSubject: x\n\nbody\n"
    h["overlong_header"] = base + "X-Long: " + "A" * 100000 + "\n\nbody\n"
    h["many_headers_folded"] = base + "X-Folded:" + "\n x" * 5000 + "\n\nbody\n"
    h["encoded_word_garbage"] = ("From: =?utf-8?B?####?= <a@example.com>\nTo: b@example.com\n"
                                 "Subject: =?utf-8?Q?=ZZ=?= =?=?= =?utf-8?X?abc?= =?gbk?B?1cX?= =?unknown?B?AAAA?= =?utf-8?B?\n"
                                 "\nbody\n")
    h["path_traversal_filename"] = (base + 'Content-Type: multipart/mixed; boundary="p"\n\n--p\nContent-Type: text/plain\n\nsee file\n'
                                    '--p\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename="../../etc/passwd"\n\nroot:x:0:0\n'
                                    '--p\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename="..\\\\..\\\\win\\\\evil\x01\x07.exe"\n\nMZ\n'
                                    '--p\nContent-Type: application/octet-stream; name="=?utf-8?B?Li4vLi4vYm9vdC5pbmk=?="\n\nx\n--p--\n')
    h["empty"] = b""
    h["only_headers"] = base
    h["only_headers_no_newline"] = "Subject: no newline at end"
    rnd = random.Random(1234)
    h["binary_garbage"] = bytes(rnd.randrange(256) for _ in range(8192))
    h["binary_after_headers"] = base.encode() + b"\n" + bytes(rnd.randrange(256) for _ in range(4096))
    nest = 1000
    s = base + 'Content-Type: multipart/mixed; boundary="n0"\n\n'
    for k in range(nest):
        s += '--n%d\nContent-Type: multipart/mixed; boundary="n%d"\n\n' % (k, k + 1)
    s += "--n%d\nContent-Type: text/plain\n\ndeep\n" % nest
    for k in range(nest, -1, -1):
        s += "--n%d--\n" % k
    h["deep_nesting_1000"] = s
    parts = "".join("--m\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"f%d.bin\"\n\n%d\n" % (k, k) for k in range(600))
    h["many_parts_600"] = base + 'Content-Type: multipart/mixed; boundary="m"\n\n' + parts + "--m--\n"
    h["bad_winmail"] = (base + 'Content-Type: multipart/mixed; boundary="t"\n\n--t\nContent-Type: text/plain\n\nhi\n'
                        '--t\nContent-Type: application/ms-tnef; name="winmail.dat"\nContent-Transfer-Encoding: base64\n\n%s\n--t--\n'
                        % b64(struct.pack("<IH", 0x223E9F78, 1) + struct.pack("<BII", 2, 0x0006800F, 0x7FFFFFF0) + b"short"))
    h["forged_bounce_header"] = (base + "X-Complaintd-Bounce-Recipient: victim@example.com\nX-Complaintd-Bounce-Status: 5.1.1\n"
                                 "Content-Type: text/plain\n\nhello\n")
    h["crlf_mixed"] = base.replace("\n", "\r\n") + "Content-Type: text/plain\r\n\r\nline1\r\nline2\nline3\r\r\n"
    h["bad_content_type"] = base + "Content-Type: ;;;/;charset==\"\nContent-Transfer-Encoding: x-unknown\n\nbody\n"
    h["raw_8bit_address"] = ("From: " + "张三" + " <张三@例子.中国>\nTo: \"unterminated <x@y\nSubject: addr\n\nbody\n").encode("gbk")
    h["message_rfc822_truncated"] = base + 'Content-Type: message/rfc822\n\nFrom: inner@example.com\nSubject: inner\nContent-Type: multipart/mixed; boundary="q"\n\n--q\n'
    h["huge_boundary_line"] = base + 'Content-Type: multipart/mixed; boundary="' + "b" * 5000 + '"\n\n--' + "b" * 5000 + "\n\nx\n"
    h["empty_report_parts"] = ("From: a@b.c\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\n\n"
                               "--x\nContent-Type: message/delivery-status\n\n--x\nContent-Type: text/rfc822-headers\n\n--x--\n")
    return h


def main():
    os.makedirs(MAIL, exist_ok=True)
    os.makedirs(HOSTILE, exist_ok=True)
    for i, item in enumerate(COMPLAINTS_ZH):
        write(MAIL, item[0], zh_mail(i, item))
    for i, item in enumerate(COMPLAINTS_BIG5):
        write(MAIL, item[0], big5_mail(i, item))
    for i, item in enumerate(COMPLAINTS_EN):
        write(MAIL, item[0], en_mail(i, item))
    for name, data in special_mails().items():
        write(MAIL, name, data)
    for name, data in hostile_mails().items():
        write(HOSTILE, name, data)


if __name__ == "__main__":
    main()
