#!/usr/bin/python3
"""Writes the small labelled set tests/data/learn/mail/*.eml that the unit
test of `complaintctl rules learn` learns from (tests/unit/ctl/test_ruleslearn.c).

Run from anywhere: /usr/bin/python3 tests/data/learn/gen.py
The .eml files are committed; this script is how they were made.
Deterministic: fixed dates, no randomness. Every sentence was written for
this set (no text from ../shared/corpus, whose licences forbid copying).

80 mails: for each category 8 in Chinese and 8 in English. Each mail is a
neutral opening, two of the category's four phrases, maybe an escalation
sentence, and a neutral closing, so a phrase recurs in several mails of its
class and the neutral sentences occur in every class. The weak base rules
(tests/data/learn/rules) know almost none of the phrases: what learning
adds is measurable on held-out folds.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

PHRASES = {
    'quality': {
        'zh': ['屏幕裂了', '电池鼓包', '拉链脱线', '里面发霉'],
        'en': ['the screen cracked', 'the battery swelled',
               'the zipper came apart', 'mould grew inside'],
    },
    'service': {
        'zh': ['客服不回消息', '快递员态度恶劣', '排队两个小时没人理', '电话一直占线'],
        'en': ['nobody answered my messages', 'the courier shouted at me',
               'I queued two hours and nobody came', 'the hotline is always busy'],
    },
    'price': {
        'zh': ['多扣了钱', '优惠券没有抵扣', '结账比标价高', '运费乱收'],
        'en': ['you charged my card twice', 'the coupon was not applied',
               'the bill was above the shelf price', 'a hidden delivery fee appeared'],
    },
    'infringement': {
        'zh': ['收到的是假货', '盗用了我拍的照片', '仿冒我们的商标', '根本不是正品'],
        'en': ['what arrived is counterfeit', 'you used my photographs without asking',
               'the logo copies our trademark', 'the item is not genuine'],
    },
    'other': {
        'zh': ['请问营业时间', '想谈谈合作', '感谢你们的帮忙', '发票怎么开'],
        'en': ['what are your opening hours', 'we would like to discuss a partnership',
               'thank you for your kind help', 'how can I get an invoice'],
    },
}

OPEN = {
    'zh': ['你好，', '您好，', '我上个月在你们店买了东西，', '我是老客户了，'],
    'en': ['Hello,', 'Hi there,', 'I ordered from your shop last month.',
           'I have been a customer for years.'],
}
CLOSE = {
    'zh': ['请尽快回复。', '麻烦处理一下。', '谢谢。', '等你们消息。'],
    'en': ['Please reply soon.', 'Please look into it.', 'Thanks.',
           'Waiting for your answer.'],
}
ESCALATE = {
    'A': {'zh': '我会把这件事告诉报社记者。', 'en': 'I will tell a newspaper reporter about this.'},
    'B': {'zh': '我已经打了12315。', 'en': 'I have already called the consumer council.'},
}
SUBJECT = {'zh': '关于我的订单', 'en': 'About my order'}


def body(cat, lang, i):
    p = PHRASES[cat][lang]
    sep = '' if lang == 'zh' else ' '
    first, second = p[i % 4], p[(i + 1 + i // 4) % 4]
    if lang == 'zh':
        core = first + '，' + second + '。'
    else:
        core = first[0].upper() + first[1:] + ' and ' + second + '.'
    sev = 'A' if i == 7 else 'B' if i == 3 else 'C'
    parts = [OPEN[lang][i % 4], core]
    if sev != 'C':
        parts.append(ESCALATE[sev][lang])
    parts.append(CLOSE[lang][(i // 2) % 4])
    return sep.join(parts), sev


def write(cat, lang, i, n):
    text, sev = body(cat, lang, i)
    stem = '%s-%s-%02d' % (lang, cat, i + 1)
    mail = ('From: customer%03d@example.org\n'
            'To: complaints@example.com\n'
            'Subject: %s\n'
            'Date: Mon, 02 Mar 2026 10:%02d:00 +0800\n'
            'Message-ID: <%s@learn.example>\n'
            'X-Expected-Category: %s\n'
            'X-Expected-Severity: %s\n'
            'MIME-Version: 1.0\n'
            'Content-Type: text/plain; charset=utf-8\n'
            'Content-Transfer-Encoding: 8bit\n'
            '\n%s\n') % (n, SUBJECT[lang], n % 60, stem, cat, sev, text)
    with open(os.path.join(HERE, 'mail', stem + '.eml'), 'w', encoding='utf-8') as f:
        f.write(mail)


def main():
    os.makedirs(os.path.join(HERE, 'mail'), exist_ok=True)
    n = 0
    for cat in PHRASES:
        for lang in ('zh', 'en'):
            for i in range(8):
                n += 1
                write(cat, lang, i, n)


main()
