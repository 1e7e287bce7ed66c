#!/usr/bin/python3
"""Writes the labelled evaluation corpus tests/data/eval/*.eml.

Run from anywhere: /usr/bin/python3 tests/data/eval/gen.py
The .eml files are committed; this script is how they were made (and the
only practical way to write the GBK, GB18030 and Big5 ones by hand).
Deterministic: fixed dates, no randomness.

Every mail carries the human labels in X-Expected-Category and
X-Expected-Severity. The labels were decided from ../shared/DOMAIN.md alone,
before the rules were run on the corpus:
  category  what the customer mainly complains about: quality (the product
            itself), service (advice, after-sales, delivery, staff),
            price (price, charges, refunds of money, misleading adverts),
            infringement (counterfeits, IP), other (not a complaint about
            those: questions, praise, neighbours, ...)
  severity  A  news media, provincial or national authorities, lawsuits and
               lawyers, petitions (上访/信访), injury, extreme acts
            B  consumer association, 12315/12345, local (city/district)
               regulators, explicit threats to escalate (reviews, social
               media, "I will report you")
            C  everything else; also when the customer says they will NOT
               go to the press or court, or that nobody was hurt.

Each entry: (file stem, category, severity, encoding, sender, subject, body)
encoding: utf8 (8bit), b64 / qp (UTF-8 with that transfer encoding),
html (text/html only, UTF-8), alt (multipart/alternative text + html),
gbk, gb18030, big5 (body and subject in that charset).
"""
import base64
import html
import os
import quopri
from email.header import Header
from email.utils import formatdate

HERE = os.path.dirname(os.path.abspath(__file__))
TO = "complaints@company.example"
T0 = 1735689600  # 2025-01-01 00:00:00 UTC

M = []


def add(stem, cat, sev, enc, sender, subject, body):
    M.append((stem, cat, sev, enc, sender, subject, body))


# ---------------------------------------------------------------- quality
add("q01_rice_cooker_coating", "quality", "C", "utf8", ("李敏", "limin88@163.example"),
    "电饭煲内胆涂层脱落",
    """你好：

我在你们天猫旗舰店买的电饭煲（型号 RC-30F），用了不到两个月，内胆的涂层就一片一片往下掉，
煮出来的米饭里能看到黑色的小碎屑。家里有老人和孩子，这样的锅我们不敢再用了。

订单号：2025010388120
希望给换一个新的内胆，或者整机换货。谢谢。

李敏""")
add("q02_washer_noise", "quality", "C", "gbk", ("张建国", "zhangjg@sina.example"),
    "洗衣机脱水时整机跳动",
    """客服你好，
上周六送到的滚筒洗衣机，脱水的时候整台机器都在跳，噪音像拖拉机一样，楼下邻居都上来敲门了。
安装的时候运输螺栓已经拆掉了，地面也是平的。麻烦安排人来看看是不是机器本身有问题，不行就换一台。
张先生 139****2211""")
add("q03_blender_jar", "quality", "C", "utf8", ("Sarah Collins", "sarah.collins@example.net"),
    "Blender jar cracked on first use",
    """Hi,

I used the PowerBlend 600 for the first time this morning to make a smoothie and a
crack appeared right down the side of the jar. Nothing hard went in, just frozen
berries and milk. Order number is UK-55821.

Could you send a replacement jar please?

Thanks,
Sarah""")
add("q04_zipper", "quality", "C", "utf8", ("Tom", "tom.b@example.org"),
    "zipper broke",
    "The main zipper on the backpack I bought last week already broke. Can I get a replacement?\n")
add("q05_kettle_shock", "quality", "A", "utf8", ("王丽华", "wanglihua@qq.example"),
    "热水壶漏电，我被电到了",
    """你们好，
今天早上用你们的电热水壶烧水，手碰到壶身的时候被电了一下，整条胳膊都麻了，
下午去医院做了心电图，医生说幸好时间短。插座是带接地的，别的电器都没事。
这是很严重的安全问题，请你们马上给个说法，我保留追究的权利。
发票和就诊记录我都留着。""")
add("q06_toy_parts_tv", "quality", "A", "b64", ("陈晓东", "chenxd@126.example"),
    "儿童积木零件脱落，孩子差点吞下",
    """我家孩子三岁，玩你们的大颗粒积木时，一个小零件从积木上脱落，孩子放进嘴里，
幸亏我及时发现抠了出来。包装上写着适合3岁以上，这么容易脱落的小零件对孩子太危险了。
我已经把情况告诉了我们市电视台《民生热线》的记者，他们说会来调查。
请你们尽快回应。""")
add("q07_heater_lawyer", "quality", "A", "utf8", ("Mark Hughes", "mhughes@example.co.uk"),
    "Oil heater scorched our floor",
    """To whom it may concern,

On 12 January our OH-2000 oil-filled radiator overheated while on its lowest
setting. The casing became too hot to touch and it scorched the oak floor
underneath it; the smell of burning woke us up at 3am.

This could have burned the house down. I have passed the matter to my lawyer,
who will contact you regarding the cost of replacing the floor.

Mark Hughes""")
add("q08_laptop_trading_standards", "quality", "B", "qp", ("Priya Shah", "priya.shah@example.com"),
    "Faulty laptop - third repair",
    """Hello,

My NoteBook Air has now been back for repair three times for the same fault: it
shuts down at random with plenty of battery left. Each time it comes back "fixed"
and within a week it is doing it again.

I have had enough. I have contacted Trading Standards and they advised me that I
am entitled to a refund or a replacement under the Consumer Rights Act. I expect
one of the two within 14 days.

Priya Shah""")
add("q09_fridge_12315", "quality", "B", "utf8", ("赵先生", "zhaoxs@163.example"),
    "冰箱不制冷，修了三次，已打12315",
    """冰箱买了四个月，冷藏室一直不制冷，夏天买的菜两天就坏。你们的售后来修了三次，
换了温控器又加了氟，还是不行。
我已经打了12315投诉，登记号也有了。要求直接换新机，不要再修了。""")
add("q10_glass_not_courier", "quality", "C", "utf8", ("刘洋", "liuyang@foxmail.example"),
    "玻璃杯底部有裂纹",
    """收到货了，说一下情况：不是快递的问题，外箱和泡沫都完好无损，
但是六个玻璃杯里有两个杯底有明显的裂纹，一倒热水就渗水。应该是出厂时就有的。
麻烦补发两个，谢谢。""")
add("q11_phone_green_line", "quality", "C", "big5", ("林志明", "lin.cm@hinet.example"),
    "手機螢幕出現綠線",
    """您好，
上個月在貴公司門市購買的手機，這幾天螢幕中間出現一條綠色的直線，重新開機也沒有用，
手機沒有摔過也沒有進水。請問可以直接換新機嗎？還在保固期內。
林先生 敬上""")
add("q12_sofa_stitching", "quality", "C", "alt", ("Emma Wilson", "emma.w@example.net"),
    "Sofa cushion stitching",
    """Dear Customer Care team,

I hope you are well. I wanted to let you know that the stitching along the front
seam of one of the seat cushions on our Oslo three-seater has come undone, only
five weeks after delivery. We have no pets and the sofa is used normally.

I have attached a photo. Would it be possible to arrange a repair or a
replacement cover?

Kind regards,
Emma Wilson""")
add("q13_milk_sour", "quality", "C", "utf8", ("周静", "zhoujing@163.example"),
    "牛奶在保质期内就结块发酸",
    """昨天在你们超市买的一箱纯牛奶，生产日期是上周，保质期六个月，
今天打开一盒，倒出来是一块一块的，闻着发酸。又开了两盒也一样。
请问是运输储存出了问题还是这批货本身有问题？要求退换整箱。""")
add("q14_deli_hospital", "quality", "A", "gb18030", ("黄伟", "huangwei@139.example"),
    "吃了你们的熟食全家上吐下泻，孩子住院",
    """周日在你们店里买的卤味拼盘，晚饭吃完不到三个小时，全家四口人都开始上吐下泻，
小孩发烧到39度，现在还在儿童医院住院输液，医生诊断是食物中毒。
剩下的熟食我已经冷冻保存，小票也在。你们必须马上派人来处理，承担全部医疗费用。""")
add("q15_lamp_late_and_smashed", "quality", "C", "utf8", ("Daniel Reed", "dan.reed@example.com"),
    "Lamp arrived smashed",
    """Hi there,

The delivery was two days later than promised, which I could live with, but when I
opened the box the glass shade of the Arc floor lamp was smashed into pieces. The
box itself looked fine, so I suspect it was packed badly or was already broken.

Please send a new shade or a whole new lamp.

Dan""")
add("q16_shoes_rambling", "quality", "C", "utf8", ("马丽", "mali_1990@qq.example"),
    "关于上个月买的运动鞋",
    """你好，我想反映一个情况，可能有点啰嗦，请耐心看完。
我是你们家的老顾客了，从大学的时候就开始穿你们的鞋，前前后后买了不下十双，一直觉得你们家鞋子舒服、
耐穿，也推荐给了好几个同事。上个月趁着周年庆又在官网买了一双跑鞋，颜色是灰蓝色的，42码，
当时还特意等了零点下单。收到以后也挺满意，就是鞋带有点短，这个我自己换了一根，不算什么事。
结果穿了不到三个星期，每周也就跑三次步，每次五公里左右，右脚鞋头的位置就开胶了，鞋底和鞋面分开了
一指宽，下雨天走路直接进水。左脚也有点开始翘起来了。我之前买的鞋穿一年都没有这种情况，
不知道是不是这批货的胶有问题。
我不想退货，就想换一双新的同款，如果没有同款了，换同价位的也可以。照片我可以补发。
谢谢。""")
add("q17_speaker_quoted", "quality", "C", "utf8", ("Chris Nolan", "cnolan@example.org"),
    "Re: Your replacement order #44812",
    """The replacement you sent arrived today, and it has exactly the same defect as the
first one: the left speaker produces no sound at all, only the right one works.
I have tried two different cables and two different devices.

Chris

On Mon, 3 Feb 2025 at 10:12, Customer Care <care@company.example> wrote:
> Dear Chris,
> We are sorry for the delay in delivery of your order. A replacement has been
> dispatched today by courier and should arrive within three working days.
> Kind regards,
> Customer Care""")
add("q18_stroller_regulator_threat", "quality", "B", "utf8", ("孙娜", "sunna@163.example"),
    "婴儿推车刹车失灵，再不换我就去市场监管局",
    """推车买了一个月，后轮刹车就踩不住了，在小区斜坡上差点溜下去，吓得我一身冷汗。
上周已经联系过售后，到现在也没给我个答复。
我最后说一次：三天之内再不给我换新的，我就去区市场监管局投诉。""")
add("q19_bike_paint", "quality", "C", "utf8", ("Jake Turner", "jturner@example.com"),
    "Paint peeling off frame",
    """Hello, the paint on the top tube of my new Ridgeline bike is already peeling off
after two rides, in strips about 2 cm long. It hasn't been dropped or scraped.
Is this something you cover under warranty? Frame number RL-2291-0043.
Thanks, Jake""")
add("q20_down_jacket", "quality", "C", "gb18030", ("吴小燕", "wuxy@sohu.example"),
    "羽绒服跑绒严重",
    """客服您好，我上周买的长款羽绒服跑绒特别厉害，穿一天下来里面的毛衣上全是绒毛，
外面的黑色裤子上也粘了很多，用手一拍衣服就往外飞绒。这个价位的羽绒服不应该这样吧？
请问能不能退货或者换一件。""")
add("q21_car_seat_injury", "quality", "A", "utf8", ("Laura Bennett", "laura.bennett@example.co.uk"),
    "Car seat buckle failed - my daughter was hurt",
    """I am writing about the SafeRide Plus car seat we bought in November.

Last Saturday I had to brake hard at a junction and the harness buckle released on
its own. My daughter (4) was thrown forward against the front seat and cut her lip
and chin. We spent the evening in A&E and she needed two stitches.

The buckle now opens with the slightest pressure. I want to know how many other
seats from this batch have the same fault, and what you are going to do about it.

Laura Bennett""")
add("q22_aircon_weak", "quality", "C", "utf8", ("郭强", "guoqiang@126.example"),
    "空调制冷效果很差",
    """新装的1.5匹空调，设定16度开了一下午，房间温度还是29度，出风口的风也不怎么凉。
房间只有15平米，按说完全够用。麻烦派技术人员来检测一下是不是缺氟或者压缩机有问题。""")
add("q23_phone_battery", "quality", "C", "utf8", ("Ben", "ben.k@example.net"),
    "Battery swelling",
    "The battery in my X5 phone has swollen and the back cover is lifting off. Is this covered?\n\nSent from my iPad\n")
add("q24_stove_provincial", "quality", "A", "utf8", ("钱国华", "qiangh@163.example"),
    "燃气灶熄火保护失灵，已向省市场监督管理局反映",
    """你们的嵌入式燃气灶熄火保护装置失灵，火被风吹灭以后燃气还在一直往外冒，
家里满屋子煤气味，幸好我回来得及时，开窗关阀才没出大事。
售后来看了说是正常，让我自己注意。这种回答我不能接受。
我已经把情况和照片提交给了省市场监督管理局，同时也在等你们的正式答复。""")
add("q25_mouse_signature", "quality", "C", "utf8", ("王磊", "wanglei@lawfirm.example"),
    "鼠标左键失灵",
    """你好，去年十月买的无线鼠标，最近左键经常失灵，点一下没反应，或者点一下变成双击，
影响工作。还在一年保修期内，请问怎么寄修？

--
王磊
行政助理
北京市某某律师事务所
电话：010-8888 0000""")
add("q26_kettle_lid", "quality", "C", "utf8", ("Olivia", "olivia.m@example.com"),
    "Kettle lid won't stay shut",
    """Hi, the lid on my new kettle doesn't close properly - it pops open when the water
boils, so the kettle never switches itself off. Can you help?

Olivia

Sent from my iPhone""")
add("q27_watch_blackcat", "quality", "B", "utf8", ("何俊", "hejun@163.example"),
    "手表走时不准，我已经在黑猫投诉上发帖了",
    """机械表买了两个月，一天快四五分钟，送去你们的维修点调校过一次，回来照样快。
两千多块的表就这个水平？
我已经在黑猫投诉平台上发了帖子，你们再不给解决，我就一直投诉下去。""")
add("q28_dishwasher_review_threat", "quality", "B", "utf8", ("Gary Lewis", "gary.lewis@example.com"),
    "Dishwasher leaking - third time of asking",
    """This is the third time I'm writing. The dishwasher you installed in December
leaks from the door seal on every cycle and the kitchen floor is soaked each time.

If I don't have a date for a replacement by Friday I will be leaving a one-star
review on every site I can find and reporting you to Trading Standards.

Gary Lewis""")
add("q29_hairdryer_not_money", "quality", "C", "gbk", ("蒋丽", "jiangli@yeah.example"),
    "吹风机用了两次就冒烟",
    """我不在乎这点钱，也不是价格的问题，是这个吹风机用了两次就从后面冒烟，
还有一股焦糊味，吓得我赶紧拔了插头。幸好人没事。
这种产品怎么能通过质检的？请你们查一下这批货。""")
add("q30_toaster_forward", "quality", "C", "utf8", ("Paul Green", "paul.green@example.org"),
    "Fwd: toaster",
    """Please see my wife's message below - she asked me to send it on from my account.

Paul

---------- Forwarded message ---------
From: Anne Green <anne.green@example.org>
Date: Sun, 9 Feb 2025 at 19:02
Subject: toaster
To: Paul Green <paul.green@example.org>

The new toaster from Company doesn't pop up any more, the bread just keeps
toasting until it's black. The lever is stuck down and I have to unplug it.
It's only a month old. Can they replace it?""")
add("q31_no_media_just_fix", "quality", "C", "utf8", ("许婷", "xuting@qq.example"),
    "投影仪画面发黄",
    """投影仪用了三周，画面越来越黄，调了色温也没用，白墙投出来像老照片。
说实话我不想把事情闹大，也不会去找媒体什么的，只希望你们能尽快给修好或者换一台。""")
add("q32_charger_nobody_hurt", "quality", "C", "utf8", ("Hannah Price", "hprice@example.com"),
    "Charger melted",
    """Your 65W USB-C charger melted at the plug end last night while charging my laptop.
The plastic is deformed and blackened. Nobody was hurt, thankfully, and nothing else
was damaged, but I'd like a refund or replacement and I think you should look at it.
Photos attached.""")

# ---------------------------------------------------------------- service
add("s01_courier_throws", "service", "C", "utf8", ("高峰", "gaofeng@163.example"),
    "快递员把包裹直接扔在门口",
    """你们合作的快递员态度太差了，今天送货根本没敲门，直接把箱子从楼梯上扔到我家门口，
我出门的时候箱子都压扁了一个角。打电话给他，他说"放门口了自己拿"就挂了。
希望你们管管配送的服务。""")
add("s02_installer_no_show", "service", "C", "utf8", ("李娟", "lijuan@126.example"),
    "预约安装，等了一整天没人来",
    """约好今天上午九点到十二点上门安装热水器，我专门请了一天假在家等，
结果等到下午五点都没人来，打电话问，说师傅今天排不开，改到明天。
为什么不能提前通知一声？一天的假白请了。""")
add("s03_delivery_three_weeks", "service", "C", "utf8", ("Michael Chen", "mchen@example.com"),
    "Order still not delivered after 3 weeks",
    """Hello,

I placed order #88213 on 2 January. The website said delivery in 3-5 working days.
It is now three weeks later and it has still not arrived. The tracking page has
said "in transit" for sixteen days.

Please tell me where my order is.

Michael""")
add("s04_rude_store_staff", "service", "C", "utf8", ("Rachel Adams", "r.adams@example.co.uk"),
    "Rude staff at your Oxford Street store",
    """I visited your Oxford Street store on Saturday afternoon to ask about a
return. The assistant at the till rolled her eyes, told me to "read the
receipt" and turned to the next customer while I was still speaking.
I have shopped with you for years and have never been treated like that.
Rachel Adams""")
add("s05_hotline_12315", "service", "B", "gbk", ("杨帆", "yangfan@sina.example"),
    "客服电话一直打不通，已经投诉12315",
    """售后热线我打了一个礼拜，要么占线，要么转人工以后没人接，在线客服也只会发链接。
我的电视坏了半个月了没人管。
现在我已经向12315投诉了，希望你们主动联系我。""")
add("s06_aftersales_reporter", "service", "A", "utf8", ("邓超", "dengchao@163.example"),
    "售后推诿三个月，我已联系报社记者",
    """从去年十一月到现在，整整三个月，我的扫地机器人送修以后就再也没回来。
每次打电话都说在处理，问是哪个网点、什么时候能修好，谁也说不清楚，电话转来转去。
我已经联系了《都市快报》的记者，把这三个月的通话记录都给了他们，他们说下周会来采访你们。""")
add("s07_bbb_no_reply", "service", "B", "utf8", ("Karen Miller", "karen.miller@example.com"),
    "No response to warranty repair request",
    """I sent my vacuum in for warranty repair on January 5 and have emailed your
support team four times since then. Not one reply. The phone line says to use
email.

I have now filed a complaint with the Better Business Bureau. I would still prefer
to sort this out with you directly, so please get back to me.

Karen Miller""")
add("s08_technician_late_big5", "service", "C", "big5", ("陳美玲", "meiling.chen@hinet.example"),
    "維修人員遲到三小時",
    """約好下午兩點到府維修冷氣，維修人員五點多才出現，也沒有先打電話說一聲，
到了以後一句道歉都沒有，態度很差，修完就走了，地上的灰塵也沒有清理。
希望貴公司重視服務品質。""")
add("s09_not_shipped", "service", "C", "utf8", ("小王", "xw2025@qq.example"),
    "还没发货？",
    "订单都一周了还没发货？？\n")
add("s10_gentle_nudge", "service", "C", "utf8", ("Sophie Turner", "sophie.t@example.net"),
    "Return label - gentle nudge",
    """Hi,

Just a gentle nudge - I've emailed twice about getting a return label for the
jacket (order 55120) and haven't heard back yet. I know you must be busy, but the
return window closes next week.

Many thanks,
Sophie""")
add("s11_consumer_assoc_threat", "service", "B", "utf8", ("周建", "zhoujian@126.example"),
    "再不回复我就去消协投诉",
    """上周五提交的售后工单，到现在一个回复都没有，在线客服说已经加急，然后又没下文了。
我最后给你们两天时间，再不回复，我就去消协投诉。""")
add("s12_not_quality_callback", "service", "C", "utf8", ("沈佳", "shenjia@163.example"),
    "说好三天回电话，一周都没人联系",
    """先说明：东西本身挺好的，不是质量问题，我只是想问一下能不能开专票。
上周你们客服说三天内会有专人回电话，结果一个星期过去了都没人联系我，
我又打过去，换了个客服又让我等。到底有没有人管？""")
add("s13_installer_solicitor", "service", "A", "utf8", ("David Hall", "david.hall@example.co.uk"),
    "Damage caused by your installer",
    """Your installer fitted our new oven on 20 January and in the process dragged the
old one across the kitchen, leaving deep gouges in our tiled floor. He denied it
on the spot, and your customer services team has since refused to take any
responsibility.

I have instructed a solicitor and you will be hearing from them shortly.

David Hall""")
add("s14_tracking_quoted", "service", "C", "utf8", ("Nina Patel", "nina.patel@example.com"),
    "Re: Your order #4411 has shipped",
    """It says it shipped ten days ago but the tracking hasn't updated since the day
after. Where is it?

Nina

-----Original Message-----
From: Company Shop <noreply@company.example>
Sent: 30 January 2025 08:15
To: nina.patel@example.com
Subject: Your order #4411 has shipped

Good news! Your order #4411 is on its way. Track your parcel with the link
below. Questions? Our customer service team is here to help.""")
add("s15_address_change_rambling", "service", "C", "utf8", ("韩雪", "hanxue@qq.example"),
    "改地址的事情折腾了一个星期",
    """我从头说一下吧。下单第二天我们家要搬家，我当天就在App上申请修改收货地址，
页面显示"已提交"。过了两天没动静，我打电话问，客服说App上改不了，要人工改，
让我等短信。短信没等到，第三天包裹发到了老地址，老房子已经退租了，
房东帮我收了说放在门卫。我又打电话，客服说可以帮我转寄，但要我自己跟快递联系，
快递又说是商家发的件要商家操作，两边推来推去。前前后后打了六七个电话，
每次都要重新说一遍情况，没有一个人能从头跟到尾。东西到现在还在老小区的门卫室。
我不要求赔偿，只希望以后你们的流程能顺一点，至少别让顾客在中间来回传话。""")
add("s16_banner_threat", "service", "A", "utf8", ("刘大伟", "liudw@163.example"),
    "售后一直推，明天我就去门店拉横幅",
    """空调漏水把我家木地板泡坏了，售后来了三次，每次都说回去申请，申请了两个月没结果。
你们就是欺负老百姓没办法是吧？
明天我就带着家里人去你们中山路门店门口拉横幅，让路过的人都看看你们是怎么对待顾客的。""")
add("s17_on_hold", "service", "C", "utf8", ("Steve Jones", "stevej@example.com"),
    "WORST customer service ever",
    """I was on hold for 58 minutes this morning and when someone finally picked up
the line went dead. Called back, another 40 minutes. I just want to change my
delivery slot!!! Is that really so hard??""")
add("s18_clerk_ignores", "service", "C", "gbk", ("吕芳", "lvfang@163.example"),
    "门店店员爱答不理",
    """上周日下午去你们万达店看冰箱，两个店员在柜台后面聊天玩手机，
我问了三遍价格和尺寸，才有一个人头都不抬地说"自己看标签"。
想买东西都买得憋气，以后不会再去这家店了。""")
add("s19_ombudsman", "service", "A", "utf8", ("Fiona Clarke", "fiona.clarke@example.co.uk"),
    "Final attempt before I go to the ombudsman",
    """My boiler service was booked for 14 January. Your engineer didn't turn up, and
no one has called to rebook despite four promises of a call back.

Unless this is resolved within 7 days I will take this further with the
Consumer Ombudsman.

Fiona Clarke""")
add("s20_wall_holes", "service", "C", "utf8", ("陈刚", "chengang@126.example"),
    "安装师傅把墙打了好几个洞",
    """装电视挂架的师傅第一次打孔位置量错了，又在旁边打了两个，墙上留下三个洞，
灰尘掉了一地也没收拾，走的时候说"补一下就行了"。新刷的墙就这样了。
希望你们安排人来修补，并且对师傅进行培训。""")
add("s21_parcel_rain", "service", "C", "utf8", ("Lucy Brown", "lucy.brown@example.net"),
    "Parcel left out in the rain",
    """Your courier left my parcel on the front step in the pouring rain instead of with
my neighbour as I asked in the delivery notes. The box was soaked through. The
books inside are fine, luckily, but that's not the point - please pass this on.""")
add("s22_maintenance_cancelled", "service", "C", "utf8", ("唐晓", "tangxiao@qq.example"),
    "会员保养预约被取消也不通知",
    """我是你们的金卡会员，上个月在App上预约了本周六的汽车保养，周六早上开车过去，
前台说预约系统里已经被取消了，原因说不清楚，也没有任何短信或电话通知我。
白跑了一趟，还耽误了一上午。""")
add("s23_delivery_toe_fracture", "service", "A", "utf8", ("张华", "zhanghua@163.example"),
    "送货员搬柜子砸伤我父亲的脚",
    """今天下午你们的两个送货员往楼上搬衣柜，在楼道里没抬稳，柜子角砸在我父亲脚上，
当时就肿起来了。送去医院拍片，是脚趾骨折，医生说要打石膏六周。
两个送货员放下东西就走了，到现在也没有人来过问。我父亲七十多岁了，
你们必须对此负责。""")
add("s24_late_and_fee", "service", "C", "utf8", ("Andrew Scott", "andy.scott@example.com"),
    "Late delivery",
    """My sofa was supposed to arrive last Tuesday between 8 and 12. It came on
Thursday evening with no warning, after I had taken a day off work for nothing.
Also, the shipping fee seemed rather high for something that came two days late,
but mostly I'd like someone to explain what went wrong.""")
add("s25_weibo", "service", "A", "utf8", ("许晴", "xuqing@163.example"),
    "维修拖了一个月，我已经发微博了",
    """洗碗机送修一个月了，一直说配件没到，问什么时候到，不知道。
我已经把这件事发到微博上了，再拖下去我就每天发一条，让大家都看看你们的售后。""")
add("s26_chat_transcript_fwd", "service", "C", "utf8", ("Tim Baker", "tim.baker@example.org"),
    "Fwd: Chat transcript",
    """I'm forwarding the transcript of my chat with your agent "Jordan" today. I asked a
simple question about installation and was told twice to "google it". Not what I
expect from a support team.

-------- Forwarded Message --------
Subject: Your chat transcript
Date: Tue, 11 Feb 2025 14:20:11 +0000
From: Chat <chat@company.example>

Jordan: Hi, how can I help?
Tim: Does the dishwasher come with the installation kit?
Jordan: google it
Tim: Sorry?
Jordan: you can google it""")
add("s27_phone_agent_rude", "service", "C", "big5", ("黃小姐", "huang.hk@netvigator.example"),
    "電話客服說話很衝",
    """今天打客服電話詢問訂單進度，接電話的小姐語氣很不耐煩，我問第二次的時候她直接說
"我剛剛不是講過了嗎"，然後就掛斷了。請貴公司加強客服人員的訓練。""")
add("s28_nurse_night_shift", "service", "C", "utf8", ("赵雪", "zhaoxue@126.example"),
    "送货时间一直约不上",
    """我在医院当护士，上夜班，白天才在家。跟配送站说了三次请下午两点以后送，
每次都是早上八点打电话说已经到楼下了，我睡着了没接到，就又拉回去了。
这已经是第三次了，能不能按我约的时间送？""")
add("s29_any_news_repair", "service", "C", "utf8", ("Greg Wood", "greg.wood@example.com"),
    "Any news on my repair?",
    """Hi, any news on my repair? I sent the coffee machine in a month ago (case
RM-7721) and haven't heard anything since the automatic acknowledgement.
Thanks, Greg""")

# ---------------------------------------------------------------- price
add("p01_checkout_price", "price", "C", "utf8", ("方琳", "fanglin@163.example"),
    "页面标价199，结账变成239",
    """商品详情页上明明写着活动价199元，加入购物车以后结账变成了239元，
我截了图。请问差的这40块钱是怎么回事？要么按199给我，要么把多收的退给我。""")
add("p02_refund_two_weeks", "price", "C", "utf8", ("曹阳", "caoyang@qq.example"),
    "申请退款两周了钱还没到账",
    """退货包裹1月20号就被你们仓库签收了，退款申请也审核通过了，
到今天两个星期了钱还没有退回到我的银行卡上。请尽快处理。""")
add("p03_charged_twice", "price", "C", "utf8", ("James Wright", "jwright@example.com"),
    "Charged twice for one order",
    """Hi,

I was charged twice for order #77310 (£129.00 each time) on 4 February. I only
placed one order. Please refund the duplicate payment.

James Wright""")
add("p04_half_price_ad", "price", "C", "utf8", ("Amy Hill", "amy.hill@example.net"),
    "50% off - but not at checkout",
    """Your homepage banner says "50% off all bedding this weekend", but when I add the
duvet set to my basket it's full price. I tried on the app and the website. This
looks like a misleading offer to me - please honour the price you advertised.""")
add("p05_price_fraud_12315", "price", "B", "utf8", ("彭亮", "pengliang@163.example"),
    "先涨价再打折，价格欺诈",
    """双十一前一周你们把这款空气炸锅从299涨到了459，活动当天再标"直降100"卖359，
这不是先涨后降的价格欺诈是什么？我有价格截图。
我已经向12315举报了，要求退还差价。""")
add("p06_health_supplement_samr", "price", "A", "utf8", ("苏明", "suming@163.example"),
    "保健品虚假宣传",
    """你们的直播间里说这个"降糖宝"能代替药物、吃三个月就能停胰岛素，我父亲信了，
花了三千多块买了一个疗程，停药以后血糖一下子飙到十几，差点出事。
保健品宣传治疗功效是违法的。我已经向国家市场监督管理总局举报，要求全额退款。""")
add("p07_hidden_fees_attorney", "price", "A", "utf8", ("Robert King", "rking@example.com"),
    "Hidden subscription fees",
    """For eight months your "free" premium membership has been charging my card
$14.99 a month. I never agreed to a subscription; the sign-up page said nothing
about it. Other customers online report the same.

My attorney is preparing a claim, and we are aware of a class action being
organised. Please preserve all records of my account.

Robert King""")
add("p08_shipping_overcharged_big5", "price", "C", "big5", ("王大同", "wangdt@hinet.example"),
    "結帳時多收運費",
    """網站上寫滿一千元免運費，我的訂單金額一千二百元，結帳時還是收了一百二十元運費。
請把多收的運費退給我，謝謝。""")
add("p09_price_drop_quality_fine", "price", "C", "utf8", ("蔡文", "caiwen@126.example"),
    "买完第二天就降价300",
    """东西质量没问题，用着挺好的，就是我周一买的扫地机，周二就降价了三百块。
你们页面上写的是"七天保价"，请问怎么申请补差价？""")
add("p10_stairs_fee", "price", "C", "gbk", ("谢红", "xiehong@163.example"),
    "送货员索要上楼费",
    """昨天送衣柜的师傅到了楼下说没有电梯，要另外收100块上楼费，不给就不搬。
下单的时候页面写的是"送货到家、免费安装"，一个字都没提上楼费。
我当时没办法只好给了，请你们把这100块退给我。""")
add("p11_price_adjustment_polite", "price", "C", "utf8", ("Grace Lee", "grace.lee@example.com"),
    "Price adjustment request",
    """Hello,

I bought the Nordic desk lamp on 1 February for £59. I noticed today that it is now
£45 on your website. Your price promise says you will refund the difference
within 14 days - could you please apply it to my order 33019?

Thank you very much,
Grace""")
add("p12_prepaid_card_district", "price", "B", "utf8", ("罗娟", "luojuan@163.example"),
    "预付卡余额不给退",
    """我在你们门店办的储值卡还有1860元余额，现在门店说要关门了，不给退钱，
只能去二十公里外的另一家店消费。这对我们附近的老顾客很不公平。
我已经向区市场监管局投诉了，也希望你们总部能给个说法。""")
add("p13_ftc_attorney_general", "price", "A", "utf8", ("Linda Moore", "linda.moore@example.com"),
    "Deceptive 'lifetime' pricing",
    """Your TV ads promised "lifetime price lock" on the home security plan. Six months
in, my monthly charge went from $19.99 to $34.99.

I have filed complaints with the FTC and with my state Attorney General's office,
and I am disputing the charges with my credit card company.

Linda Moore""")
add("p14_coupon", "price", "C", "gbk", ("魏强", "weiqiang@126.example"),
    "优惠券用不了",
    """领的满300减50的优惠券，买了329元的东西结账时显示"不满足使用条件"，
客服说是系统问题，让我先付款以后再补，付完款又说补不了。
请把50元补给我。""")
add("p15_where_refund", "price", "C", "utf8", ("Jo", "jo.harper@example.org"),
    "Where's my refund??",
    "Returned the shoes on 3 March. Still no refund. Where is my money?\n")
add("p16_slow_and_overcharged", "price", "C", "utf8", ("邱敏", "qiumin@qq.example"),
    "多扣了钱",
    """快递慢了两天这个我就不计较了，主要是你们多扣了我的钱：订单金额是568元，
银行卡扣了658元，多扣了90元。账单截图附上，请核实后退还。""")
add("p17_auto_renew", "price", "C", "qp", ("Ian Cooper", "ian.cooper@example.com"),
    "Subscription renewed without notice",
    """Hi,

My annual plan auto-renewed yesterday for £89 without any reminder email, even
though I had turned off auto-renewal in my account settings in December
(screenshot attached). I'd like my money back please.

Ian""")
add("p18_renovation_lawyer", "price", "A", "utf8", ("黄志强", "huangzq@163.example"),
    "合同价与结算价不符，已委托律师",
    """去年九月跟你们签的全包装修合同，总价18万8，合同写得清清楚楚"无任何增项"。
结果竣工结算的时候给我列了二十多项增项，一共多出来4万6。
我已经委托律师处理，律师会跟你们联系，在此之前我不会再付一分钱。""")
add("p19_bogo_not_given", "price", "C", "utf8", ("田甜", "tiantian@126.example"),
    "买一送一没有送",
    """你们的活动页面写着洗发水"买一送一"，我下单的时候也显示了赠品，
收到货只有一瓶，问客服说赠品已经送完了。活动还没结束怎么就送完了？
要么补发赠品，要么按半价退钱给我。""")
add("p20_refund_quoted", "price", "C", "utf8", ("Matthew Evans", "matt.evans@example.co.uk"),
    "Re: Refund processed",
    """You said the refund would reach my account within 5 working days. It has now
been 15 working days and nothing has arrived. Please check.

Matt

On Tue, 14 Jan 2025, Company Customer Care <care@company.example> wrote:
> Dear Matthew,
> We have processed your refund of £45.99 to the original payment method.
> Please allow up to 5 working days for it to appear.
> Thank you for shopping with us.""")
add("p21_trade_in_subsidy", "price", "C", "utf8", ("潘伟", "panwei@163.example"),
    "以旧换新补贴一直没到",
    """去年12月参加你们的家电以旧换新活动，旧冰箱已经被你们的人拉走了，
当时说好补贴500元三十天内返到账户。现在已经快两个月了，这500块一直没到。
打了几次电话都说在走流程，我就想知道这钱到底还给不给。
你们活动宣传的时候说得那么好，兑现的时候就拖，这样以后谁还信你们的活动。
老人在家等着问我钱到了没有，我都不知道怎么回答。""")
add("p22_citizens_advice", "price", "B", "utf8", ("Claire Ward", "claire.ward@example.co.uk"),
    "Hidden fees on my order",
    """At checkout a "service fee" of £24 appeared that was never mentioned on the
product page. I have spoken to Citizens Advice and reported the hidden fees to
Trading Standards. I'd like the £24 refunded.""")
add("p23_install_material_fee", "price", "C", "utf8", ("宋佳", "songjia@qq.example"),
    "说好免费安装，却收了材料费",
    """买热水器的时候导购说包安装，免费的。安装那天师傅说要换角阀和软管，
收了我280元材料费，后来我去五金店一看，同样的东西不到60块。请给个解释，退还多收的部分。""")
add("p24_bad_review_consumer_assoc", "price", "B", "utf8", ("冯雷", "fenglei@163.example"),
    "保价不给退差价",
    """买了十天就降价200，你们写的是保价15天，申请了三次都被驳回，理由是"活动价不参与保价"。
再不退差价，我就给差评，并且投诉到消协。""")
add("p25_shelf_label", "price", "C", "utf8", ("Peter Hall", "peter.hall@example.com"),
    "Shelf price different at till",
    """The shelf label for the olive oil said £3.50 but I was charged £4.20 at the till
in your Leeds store. Small amount, I know, but it happened with two other items as
well. Please check your labels.""")
add("p26_tv_ad_false", "price", "C", "utf8", ("孟凡", "mengfan@126.example"),
    "电视台广告说的赠品没有",
    """我是看了你们在电视台打的广告才下单的，广告里说买净水器送三年滤芯，
收到货以后客服说只送一年，三年的是"另一个套餐"。这不是欺骗消费者吗？
请按广告里说的给我补齐滤芯。""")

# ---------------------------------------------------------------- infringement
add("i01_fake_earphones", "infringement", "C", "utf8", ("林峰", "linfeng@163.example"),
    "旗舰店买的耳机是假货",
    """在你们旗舰店买的降噪耳机，拿到品牌专柜去鉴定，专柜说序列号查不到，做工也不对，是假货。
旗舰店怎么会卖假货？请给我一个解释并退货退款。""")
add("i02_fake_12315", "infringement", "B", "utf8", ("常虹", "changhong@126.example"),
    "卖假货，已举报到12315",
    """你们店卖的名牌运动鞋是假的，鞋标、鞋盒和官网的都对不上。
我已经向12315举报了，假一赔三，要求退一赔三。""")
add("i03_fake_cosmetics_hospital", "infringement", "A", "utf8", ("钟丽", "zhongli@qq.example"),
    "买到假冒化妆品，脸部过敏红肿就医",
    """在你们平台自营店买的某国际品牌精华，用了两天脸开始又红又肿又痒，去医院皮肤科看，
医生说是接触性皮炎。我拿去品牌专柜鉴定，确认不是正品，是假冒的。
现在脸还肿着没法上班。你们卖假货把我脸弄成这样，必须给我一个交代。""")
add("i04_counterfeit_watch", "infringement", "C", "utf8", ("Oliver Grant", "oliver.grant@example.com"),
    "Received a counterfeit watch",
    """The "genuine" Seiko I bought from your marketplace is a counterfeit: the logo is
printed off-centre, the serial number doesn't exist according to Seiko, and the
movement is a generic one. Please arrange a return and full refund.""")
add("i05_patent_design_attorneys", "infringement", "A", "utf8", ("Helen Park", "hpark@designco.example"),
    "Infringement of registered design",
    """Dear Sirs,

We are the owners of UK registered design No. 6012345 for the "Wave" chair. The
chair sold on your website as "Ripple Lounge Chair" reproduces our design in every
material respect.

Our attorneys have been instructed to file suit unless the product is withdrawn
from sale within 7 days and you provide an account of units sold.

Helen Park
Director, DesignCo Ltd""")
add("i06_trademark_court", "infringement", "A", "utf8", ("某某电器有限公司法务部", "legal@mouelectric.example"),
    "关于贵司使用我司注册商标的函",
    """贵公司在电商平台销售的电风扇产品包装上使用了与我司注册商标（第8812345号）
高度近似的标识，足以造成消费者混淆。
我司已就此向人民法院提起诉讼，并申请证据保全。特此告知。""")
add("i07_bag_copy_big5", "infringement", "C", "big5", ("張雅婷", "yating@hinet.example"),
    "買到的包包是仿冒品",
    """在貴公司網路商店購買的名牌包，收到後發現五金件和官網的不一樣，拿去專櫃請人看過，
說是仿冒品。請問貴公司如何處理？希望全額退款。""")
add("i08_pirated_key", "infringement", "C", "utf8", ("Kevin O'Brien", "kobrien@example.com"),
    "Software licence key was pirated",
    """I bought an office suite licence key from your online store. Two weeks later the
software deactivated itself with a message that the key is a pirated volume
licence that has been blocked. I want a genuine licence or my money back.""")
add("i09_not_original_parts", "infringement", "C", "utf8", ("马涛", "matao@163.example"),
    "说是原装配件，结果是副厂件",
    """在你们店换的手机屏幕，当时说是原装屏，价格也是按原装收的。
后来拿去官方售后检测，说不是原装的，是第三方的屏。你们拿非原装的冒充原装，
这是欺骗。要求退还费用，换回原装屏。""")
add("i10_knockoff_trading_standards", "infringement", "B", "utf8", ("Sam Taylor", "sam.taylor@example.co.uk"),
    "Knock-off sold as genuine",
    """The "official" football shirt I bought is a knock-off - wrong badge stitching,
no hologram tag. I have reported your listing to Trading Standards. Please refund
me and take the listing down.""")
add("i11_photos_stolen", "infringement", "C", "utf8", ("周摄影", "zhoushot@photo.example"),
    "贵店商品详情页盗用我的摄影作品",
    """你好，我是一名摄影师。你们网店"北欧实木餐桌"的详情页里有四张图是我去年拍摄并发表过的作品，
没有经过我的授权，也没有署名，水印被裁掉了。原图和拍摄记录我都有。
请在三天内删除这些图片。""")
add("i12_photo_used_en", "infringement", "C", "utf8", ("Jenny Fox", "jenny@foxphoto.example"),
    "Use of my photograph",
    """Hello,

I noticed that the main image on your product page for the "Coastal" canvas print
is a photograph I took in 2021 and have never licensed to you. I'd be grateful if
you could either remove it or get in touch to discuss a licence.

Best wishes,
Jenny Fox""")
add("i13_refurbished_as_new", "infringement", "B", "gbk", ("邵军", "shaojun@sina.example"),
    "翻新机冒充新机",
    """买的是全新未拆封的手机，到手一查激活时间是半年前，电池循环次数三百多，
屏幕边上还有划痕，明显是翻新机冒充新机。
三天内不给我退货退款，我就去市场监管局举报。""")
add("i14_fake_and_slow", "infringement", "C", "utf8", ("Ryan Hughes", "ryan.h@example.com"),
    "Fake trainers (and slow shipping)",
    """Took three weeks to arrive, which was annoying enough, but worse: these trainers
are fakes. The stitching is sloppy, the insole logo is wrong and the box label
doesn't match the shoe. I paid full retail price for genuine ones.""")
add("i15_replica_sneakers", "infringement", "C", "gbk", ("孔亮", "kongliang@126.example"),
    "买到高仿球鞋",
    """花了一千多买的球鞋，朋友一看就说是高仿的，拿到鉴定平台鉴定结果也是假的。
请尽快给我退款。""")
add("i16_want_genuine_not_price", "infringement", "C", "utf8", ("包蕾", "baolei@qq.example"),
    "我要的是正品",
    """不是价格的问题，贵一点我也认了，我要的是正品。
你们发来的奶粉罐底的防伪码扫出来显示"已被查询过多次"，官方客服说这个码不是他们的，
怀疑是假冒产品。孩子还没喝，请给我换正品或者退货。""")
add("i17_batteries_journalist", "infringement", "A", "utf8", ("Dr. Mike Ross", "mross@example.org"),
    "Counterfeit batteries sold on your site",
    """The 'branded' AA batteries I bought from you are counterfeit - the manufacturer
has confirmed the batch codes are fake, and two of them leaked inside my son's
toy. I have spoken to a journalist at a national newspaper who is looking into
counterfeit electronics sold through big retailers.""")

# ---------------------------------------------------------------- other
add("o01_store_hours", "other", "C", "utf8", ("赵敏", "zhaomin@163.example"),
    "请问门店营业时间",
    "你好，请问你们人民路那家门店春节期间营业吗？几点开门几点关门？谢谢。\n")
add("o02_ship_canada", "other", "C", "utf8", ("Mia Roberts", "mia.r@example.ca"),
    "Do you ship to Canada?",
    "Hi! Do you ship to Canada, and if so roughly how long does it take? Thanks!\n")
add("o03_colour_suggestion", "other", "C", "utf8", ("钱多多", "qianduoduo@qq.example"),
    "建议增加产品颜色",
    """你们家的保温杯很好用，我已经买了三个了。建议出一些浅色系的颜色，比如奶白、浅粉，
现在只有黑灰蓝，送人的时候选择太少了。""")
add("o04_thanks_service", "other", "C", "utf8", ("Janet Hughes", "janet.hughes@example.co.uk"),
    "Thank you!",
    """I just wanted to say a big thank you. The delivery driver who brought our fridge
on Monday was wonderful - careful, polite and he even took the packaging away.
And when I rang customer service about the water filter, the lady on the phone
sorted everything in five minutes. Excellent service, we will be back!""")
add("o05_invoice", "other", "C", "utf8", ("财务部 李会计", "finance@someco.example"),
    "申请开具增值税专用发票",
    """您好，我司1月15日在贵公司采购的办公椅（订单号 B2B-20250115-03）需要开具增值税专用发票，
开票信息如下：名称：某某科技有限公司，税号：91110000XXXXXXXX。请开好后寄到下面地址。谢谢！""")
add("o06_job_application", "other", "C", "utf8", ("Leo Martin", "leo.martin@example.com"),
    "Job application - customer service advisor",
    """Dear Hiring Manager,

Please find attached my CV for the Customer Service Advisor position advertised on
your careers page. I have three years' experience in a busy call centre and would
love to join your team.

Kind regards,
Leo Martin""")
add("o07_partnership", "other", "C", "utf8", ("商务合作 王经理", "bd@partner.example"),
    "商务合作洽谈",
    """贵公司好，我们是一家做社区团购的平台，覆盖本市三百多个小区，
希望能和贵公司在家居用品上开展合作，不知道可否约个时间详谈？期待回复。""")
add("o08_thanks_technician", "other", "C", "utf8", ("陆阿姨", "luayi@163.example"),
    "表扬维修师傅",
    """我想表扬一下你们的维修师傅小刘。上周来给我家修洗衣机，不光修得快，
还顺手帮我把堵了的下水管通了，一分钱没多收。现在这样的师傅不多了，请公司给他表扬。""")
add("o09_wrong_recipient", "other", "C", "utf8", ("Alan", "alan.w@example.net"),
    "I think this was meant for someone else",
    """Hello, I received an email from you this morning addressed to a "Mr Johnson" about
a sofa order. I'm not Mr Johnson and haven't ordered anything - just letting you
know so you can send it to the right person.""")
add("o10_warehouse_noise_12345", "other", "B", "utf8", ("居民 刘先生", "liuxs@126.example"),
    "你们仓库夜间装卸货噪音扰民",
    """我住在你们物流园隔壁的小区，最近一个月每天晚上十二点到凌晨三点都有大货车进出、
装卸货，叉车声音、倒车提示音吵得我们整栋楼都睡不好。
我们已经打了12345市民热线反映，希望你们自己先整改。""")
add("o11_factory_provincial", "other", "A", "utf8", ("村民代表 陈某", "chenvillage@163.example"),
    "贵公司工厂排放污水问题",
    """贵公司在我们镇上的工厂，最近半年经常在夜里往河里排放发黑发臭的污水，河里的鱼死了一大片，
下游几个村的灌溉都受到影响。我们向县里反映过，没有结果，
现在已经联名向省生态环境厅写信反映，并准备集体去信访。""")
add("o12_thermostat_howto", "other", "C", "utf8", ("Nick Palmer", "nick.palmer@example.com"),
    "How do I reset the thermostat?",
    """Hi, how do I factory-reset the SmartStat 3? I'm moving house and want to clear
my settings before I leave it for the new owners. Thanks.""")
add("o13_warranty_question", "other", "C", "gb18030", ("孙先生", "sunxs@sohu.example"),
    "咨询保修期",
    """你好，想咨询一下，你们家的油烟机保修期是多久？电机是不是单独保修五年？
如果以后需要维修，是打400电话预约上门吗？""")
add("o14_unsubscribe", "other", "C", "utf8", ("Sue", "sue.t@example.net"),
    "unsubscribe",
    "Please take me off your mailing list. Thanks.\n")
add("o15_stock_big5", "other", "C", "big5", ("李先生", "mrlee@netvigator.example"),
    "詢問產品是否有現貨",
    """請問貴公司的空氣清淨機 AP-500 目前還有現貨嗎？香港地區可以送貨嗎？謝謝。""")
add("o16_van_council", "other", "B", "utf8", ("George Hill", "george.hill@example.co.uk"),
    "Your vans blocking our pavement",
    """Your delivery vans park on the pavement outside number 14 Elm Road every morning
while the drivers have breakfast, blocking the ramp my wife needs for her
wheelchair. I have asked them politely twice. I have now reported this to the
council and will keep doing so until it stops.""")
add("o17_points", "other", "C", "utf8", ("小林", "xiaolin@qq.example"),
    "积分怎么兑换",
    "你好，我的会员积分有两千多，请问在哪里可以兑换礼品？App上没找到入口。\n")
add("o18_right_address", "other", "C", "utf8", ("Pat", "pat.k@example.com"),
    "Is this the right address?",
    "Hi, is this the right address to send feedback to? I couldn't find a contact form.\n")
add("o19_manual_pdf", "other", "C", "utf8", ("朱先生", "zhuxs@126.example"),
    "索要说明书电子版",
    """家里的面包机说明书找不到了，型号是 BM-1200，请问能发一份电子版的说明书给我吗？""")
add("o20_recycling", "other", "C", "utf8", ("Karen Bell", "kbell@example.org"),
    "Recycling an old washing machine",
    """When you deliver my new washing machine next week, can your team take the old one
away for recycling? Is there a charge for that? Thanks, Karen""")
add("o21_franchise", "other", "C", "gbk", ("钟先生", "zhongxs@163.example"),
    "咨询加盟",
    """你好，我在县城有一个门面，想加盟你们的品牌，请问加盟条件和费用是怎样的？有没有区域保护？""")
add("o22_html_newsletter_question", "other", "C", "html", ("Ella", "ella.s@example.com"),
    "Question about the spring catalogue",
    """Hello,

Will the garden furniture in the spring catalogue also be sold in stores, or
online only? I'd like to see the colours in person.

Ella""")
add("o23_thanks_refund", "other", "C", "utf8", ("吴女士", "wuns@163.example"),
    "谢谢，已经收到了",
    """已经收到了，谢谢你们这么快处理，给你们点个赞。

在 2025年2月10日 09:12，客服中心 <care@company.example> 写道：
> 尊敬的客户，您好！
> 您反映的多扣款问题已核实，多扣的90元已于今日退回您的银行卡，请注意查收。
> 给您带来的不便，我们深表歉意。""")

# ---------------------------------------------------------------- more hard cases
add("h01_multi_quality_service", "quality", "C", "utf8", ("段宇", "duanyu@163.example"),
    "电视坏了，客服也不靠谱",
    """电视买了二十天，屏幕左半边突然黑了，右边还能显示，插拔电源也没用。
打客服电话等了半个小时才接通，客服倒是挺客气的，说会安排。
主要问题是电视本身，希望能直接换一台新的。""")
add("h02_multi_price_quality", "price", "C", "utf8", ("Sean Murphy", "sean.m@example.ie"),
    "Refund still missing for returned heater",
    """I returned the fan heater because it was making a rattling noise - that part is
done and dusted, you collected it on 28 January. What I'm chasing now is the
£79.99 refund, which still hasn't come through three weeks later.""")
add("h03_food_court", "service", "C", "utf8", ("Beth Carter", "beth.carter@example.com"),
    "Click & collect desk closed",
    """I went to collect my order from the click & collect desk next to the food court
at your Meadowhall store at 4pm on Sunday. The desk was closed and nobody in the
store could tell me when it would open. The app said my order was ready.
Please can someone sort out my collection.""")
add("h04_not_suing_just_refund", "price", "C", "utf8", ("Wendy Hart", "wendy.hart@example.com"),
    "Overcharged for delivery",
    """I was charged £35 for 'premium delivery' that I did not select - the standard
free option was ticked when I checked out. I don't want to sue anyone or make a
big fuss, I just want the £35 back please.""")
add("h05_petition_threat", "price", "A", "utf8", ("老张", "laozhang@126.example"),
    "房子的定金你们不退，我就去上访",
    """去年在你们售楼处交了五万块定金，合同上写了贷款办不下来可以全额退定金。
现在银行拒贷了，你们说定金不退。我一个退休工人，五万块是我半辈子的积蓄。
你们再拖下去，我就去市里、去省里上访。""")
add("h06_polite_counterfeit_suspicion", "infringement", "C", "alt", ("Grace Kim", "grace.kim@example.com"),
    "Is this charger genuine?",
    """Hello,

I hope this is the right place to ask. The charger that came with my order looks
different from the one in the product photos and has no brand markings. I'm
worried it might not be genuine - could you confirm whether it is an original
accessory? If not, I'd like to swap it for an authentic one.

Thank you!
Grace""")
add("h07_angry_caps_quality", "quality", "C", "utf8", ("Dean", "dean.r@example.com"),
    "THIRD BROKEN VACUUM",
    """THIS IS THE THIRD VACUUM FROM YOU THAT HAS DIED WITHIN A MONTH. THE MOTOR JUST
CUTS OUT. I AM SO FED UP. SEND ME ONE THAT WORKS.""")
add("h08_electric_shock_no_injury_en", "quality", "C", "utf8", ("Zoe Walsh", "zoe.walsh@example.com"),
    "Sparks from the socket when plugging in the iron",
    """Every time I plug in the steam iron I bought last week there's a spark and a
crackle from the plug. I've tried three sockets. No one has been hurt, but I've
stopped using it. Please advise how to return it.""")
add("h09_media_quoted_from_us", "service", "C", "utf8", ("韦东", "weidong@qq.example"),
    "回复：关于您的维修单",
    """你们说两天内师傅会联系我，今天已经是第五天了，还是没人打电话来。麻烦催一下。

------------------ 原始邮件 ------------------
发件人: "客服中心"<care@company.example>
发送时间: 2025年2月3日(星期一) 上午10:20
主题: 关于您的维修单

尊敬的客户：您的维修单已受理，维修师傅将在两个工作日内与您联系。
如对我们的服务不满意，您也可以拨打12315或向当地消费者协会反映。""")
add("h10_zh_one_line_fake", "infringement", "C", "utf8", ("匿名", "anon2025@qq.example"),
    "假货",
    "你们卖的是假货，退钱。\n")
add("h11_court_express", "service", "C", "utf8", ("叶青", "yeqing@163.example"),
    "送货员把东西放在法院门卫",
    """我在区法院旁边的写字楼上班，写的是写字楼前台收货，结果你们的送货员图省事，
直接把东西扔在了隔壁法院的门卫室，还不打电话说。我找了一下午才找到。""")
add("h12_lawyer_customer_polite", "price", "C", "utf8", ("Richard Stone", "rstone@stonelaw.example"),
    "Duplicate payment",
    """Hello,

My card was debited twice for invoice INV-2291 (£240.00 on 3 and 4 February).
Could you please refund the second payment?

Many thanks,
Richard Stone
Partner, Stone & Co Solicitors
This email and any attachments are confidential and may be legally privileged.""")


def enc_subject(subject, charset):
    try:
        subject.encode("ascii")
        return subject
    except UnicodeEncodeError:
        return Header(subject, charset).encode(maxlinelen=76)


def enc_name(name, charset):
    try:
        name.encode("ascii")
        return '"%s"' % name.replace('"', '')
    except UnicodeEncodeError:
        return Header(name, charset).encode()


def b64lines(data):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def body_part(enc, body):
    """Content headers and encoded body for one entry."""
    if enc in ("gbk", "gb18030", "big5"):
        data = body.encode(enc)
        return ("Content-Type: text/plain; charset=%s\nContent-Transfer-Encoding: base64\n" % enc,
                b64lines(data))
    if enc == "b64":
        return ("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n",
                b64lines(body.encode()))
    if enc == "qp":
        return ("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n",
                quopri.encodestring(body.encode()).decode())
    if enc == "html":
        h = "<html><body>" + "".join("<p>%s</p>" % html.escape(p).replace("\n", "<br>")
                                     for p in body.split("\n\n")) + "</body></html>"
        return ("Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n",
                b64lines(h.encode()))
    if enc == "alt":
        h = "<html><body>" + "".join("<p>%s</p>" % html.escape(p).replace("\n", "<br>")
                                     for p in body.split("\n\n")) + "</body></html>"
        b = "=_alt_boundary_42"
        text = ("--%s\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n%s\n"
                "--%s\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n%s\n--%s--"
                % (b, quopri.encodestring(body.encode()).decode(), b,
                   quopri.encodestring(h.encode()).decode(), b))
        return ('Content-Type: multipart/alternative; boundary="%s"\n' % b, text)
    # utf8: 8bit
    return ("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n", body)


def render(i, entry):
    stem, cat, sev, enc, (name, addr), subject, body = entry
    charset = enc if enc in ("gbk", "gb18030", "big5") else "utf-8"
    ctype, payload = body_part(enc, body)
    head = [
        "Return-Path: <%s>" % addr,
        "From: %s <%s>" % (enc_name(name, charset), addr),
        "To: %s" % TO,
        "Subject: %s" % enc_subject(subject, charset),
        "Date: %s" % formatdate(T0 + i * 37 * 3600 + 613, usegmt=True),
        "Message-ID: <eval.%03d.%s@customer.example>" % (i, stem),
        "MIME-Version: 1.0",
        "X-Expected-Category: %s" % cat,
        "X-Expected-Severity: %s" % sev,
    ]
    text = "\n".join(head) + "\n" + ctype + "\n" + payload
    if not text.endswith("\n"):
        text += "\n"
    return text.replace("\n", "\r\n").encode("utf-8")


# ------------------------------------------------- across industries (issue 9)
# Short and long mails as customers of other trades write them: cars,
# telecoms, airlines, hotels, schools, appliances, express delivery,
# takeaway, banks and insurers.  Written before running the rules on them.
add("q33_car_gearbox_judder", "quality", "C", "utf8", ("周强", "zhouqiang@163.example"),
    "新车提了两个月变速箱顿挫",
    """你好，我三月份在你们4S店提的车，开了不到五千公里，低速的时候一档升二档明显顿挫，
堵车的时候一顿一顿的，坐后排的人都能感觉到。去店里检查了两次，都说是正常现象，
刷了一次程序也没用。新车就这样，我很难接受，请厂家给个说法。""")
add("q34_car_rust_big5", "quality", "B", "big5", ("陳志明", "chen.cm@example.com.tw"),
    "車門下緣生鏽",
    """我的車才買一年半，兩邊車門下緣都已經起泡生鏽，保養廠說是漆面問題要自費處理。
我已經向消基會提出申訴，希望原廠正視這個問題。""")
add("q35_phone_screen_flicker_en", "quality", "C", "utf8", ("Priya Nair", "priya.nair@example.in"),
    "New phone screen flickers",
    """Got the phone three weeks ago. Screen flickers green whenever the brightness is
below half and sometimes the touch stops responding until I lock it. Restarted,
updated, factory reset. Same. I want a replacement not another reset.""")
add("q36_washing_machine_drum", "quality", "C", "utf8", ("黄丽", "huangli_2019@qq.example"),
    "洗衣机脱水声音像拖拉机",
    "洗衣机买了半年，脱水的时候整台机器在地上跳，声音跟拖拉机一样，楼下邻居都上来敲门了。")
add("q37_takeaway_cold_soggy_en", "quality", "C", "utf8", ("Dan Walsh", "dwalsh@example.ie"),
    "order #88213",
    """Chips were soggy and the burger was stone cold, bun squashed flat. Honestly
inedible, binned the lot.""")
add("q38_hotel_room_mould", "quality", "C", "utf8", ("Karen Holt", "karen.holt@example.co.uk"),
    "Room 412 - mould and broken shower",
    """We stayed two nights last weekend. Black mould round the bath, the shower head
was cracked and sprayed everywhere, and the air conditioning rattled all night so
neither of us slept. Not what I expect for the price of a four-star room.""")
add("q39_fridge_not_cold_zh", "quality", "C", "utf8", ("孙伟", "sunwei@126.example"),
    "冰箱冷藏室不制冷",
    "冰箱用了不到一年，冷藏室温度降不下来，放进去的菜两天就坏了，冷冻室倒是正常。麻烦安排检修。")
add("q40_headphones_one_side", "quality", "C", "utf8", ("Tom Becker", "tbecker@example.de"),
    "headphones",
    "Left earcup cut out after a month, only the right side plays now. Cable is fine, tried two phones.")
add("q41_shoes_sole_split", "quality", "C", "utf8", ("刘畅", "liuchang@163.example"),
    "鞋底开裂",
    "穿了不到两周鞋底就裂了一道口子，下雨天直接进水，这质量真的不行。")
add("s30_telecom_broadband_not_installed", "service", "C", "utf8", ("赵敏", "zhaomin@139.example"),
    "宽带办理十天了还没人来装",
    """十天前在营业厅办的宽带，说三天内上门安装，结果到现在没有任何人联系我。
打了四次客服电话，每次都说已经催了，让我继续等。我在家办公，每天只能用手机热点。""")
add("s31_airline_lost_bag_en", "service", "B", "utf8", ("Maria Lopez", "mlopez@example.com"),
    "Lost bag, file ref MAD 43921",
    """My suitcase did not arrive in Madrid on Friday. Five days later the tracer still
says 'searching' and nobody at your baggage desk answers the phone. I have been
buying clothes for a work trip out of my own pocket. If I hear nothing by Monday I
will file a complaint with the consumer association.""")
add("s32_hotel_reception_rude", "service", "C", "utf8", ("王芳", "wangfang@sina.example"),
    "前台服务态度",
    """入住的时候前台一直低头玩手机，问她早餐几点开始，她头都不抬说"自己看牌子"。
晚上房间没热水，打了三次电话才有人来。这样的服务配不上你们的价格。""")
add("s33_training_school_no_teacher", "service", "C", "utf8", ("陈老师家长", "chenjz@qq.example"),
    "培训班连续三次临时调课",
    """孩子报的周末英语班，这个月已经三次临时通知调课，都是上课前一小时才发消息，
说老师有事。我们从郊区赶过去，到了门口才知道。班主任也不回微信，问课时怎么补也没人说。""")
add("s34_express_parcel_left_outside_en", "service", "C", "utf8", ("Olivia Grant", "ogrant@example.co.uk"),
    "Parcel thrown over the gate",
    """Your driver threw my parcel over the side gate into a puddle and marked it
'handed to resident'. Nobody was home. The photo on the app shows the gate, not a
person. Please speak to him.""")
add("s35_courier_no_call_zh", "service", "C", "utf8", ("李娜", "lina88@163.example"),
    "快递员不打电话直接放驿站",
    "我明明备注了送货上门，快递员电话都不打一个就放到驿站了，驿站离我家两公里，我腿脚不方便。")
add("s36_bank_queue_one_window", "service", "C", "utf8", ("张建国", "zhangjg@126.example"),
    "营业厅只开一个窗口",
    "周六上午去支行办业务，十几个人排队只开一个窗口，等了一个半小时，大堂经理一直在聊天也不管。")
add("s37_telco_unlock_en", "service", "C", "utf8", ("Ahmed Khan", "akhan@example.com"),
    "Still no unlock code",
    """I paid off my handset in full in May and asked for the unlock code. Three chats,
two calls, each agent says it has been 'escalated' and to wait 48 hours. It is now
five weeks. Nobody has called me back once.""")
add("s38_appliance_repair_no_show", "service", "C", "utf8", ("吴刚", "wugang@qq.example"),
    "约好的维修师傅没来",
    """空调不制冷报修，约了周三下午，我请了半天假在家等，师傅没来也没打电话。
再打过去说派单系统出错了，要改到下周。请问我的半天假谁负责？""")
add("s39_insurance_claim_denied_en", "service", "C", "utf8", ("Greg Miller", "gmiller@example.com"),
    "Claim 55-2093 denied again",
    """Third time you have denied my claim for the windscreen. First it was the wrong
form, then you said photos were missing (they were attached), now you say the
damage was pre-existing. The car was inspected when I took out the policy. Please
have a supervisor look at this.""")
add("s40_debt_collector_calls_relatives", "service", "B", "utf8", ("匿名用户", "anon2024@163.example"),
    "催收打电话给我父母和同事",
    """我的贷款逾期了十天，已经和你们说了下周发工资就还。现在催收每天打十几个电话，
还打给我父母和单位同事，说我是老赖。我已经向当地金融办反映了，请立即停止。""")
add("s41_food_delivery_late_en", "service", "C", "utf8", ("Jess Parker", "jessp@example.com"),
    "1h40 for a pizza",
    """Ordered at 7.05, app said 35 minutes. Rider showed up at 8.45, didn't
apologise, and the app kept saying 'arriving soon' the whole time. Support chat
just closed my ticket.""")
add("s42_telecom_signal_and_support", "service", "C", "utf8", ("何磊", "helei@139.example"),
    "家里没有信号，客服让我自己换位置",
    "搬家后家里手机一点信号都没有，打客服，客服说让我站到窗户边打电话，报了三次网络故障都没人处理。")
add("p27_telecom_bill_extra", "price", "C", "utf8", ("郑洁", "zhengjie@139.example"),
    "话费账单多出38元",
    """这个月账单比套餐多了38元，查了明细是一个叫"视频彩铃"的增值业务，我从来没有开通过。
要求退还这笔钱，并查一下是谁给我开的。""")
add("p28_airline_bag_fee_en", "price", "C", "utf8", ("Chris Young", "cyoung@example.com"),
    "Bag fee at the gate",
    """Booked a fare that said one cabin bag included. At the gate I was made to pay
GBP 48 for the same bag because it was 'a large item'. It fit the sizer. I want
the 48 back.""")
add("p29_hotel_price_higher_than_booked", "price", "C", "utf8", ("冯雪", "fengxue@qq.example"),
    "退房时结算价比预订价高",
    """在平台上预订的价格是每晚428元含早，退房时前台按每晚568元结算，说平台价格不含节假日。
预订页面上没有任何说明，我有截图。请按预订价格退还差价。""")
add("p30_training_refund_refused", "price", "B", "utf8", ("家长 林女士", "linms@163.example"),
    "培训机构不退剩余课时费",
    """去年九月交了一年的课时费一万二，孩子上了四个月因为搬家上不了了，
机构说合同写了不退费，只能转让。剩下的课时费七千多元一分不退。我已经打了12345。""")
add("p31_bank_annual_fee_en", "price", "C", "utf8", ("Linda Park", "lpark@example.com"),
    "Annual fee I was told was waived",
    """When I opened the card the banker said the annual fee would be waived for
life. This month I see a $95 annual fee on my statement. I was never told this
would change. Please reverse it.""")
add("p32_car_dealer_extra_charges", "price", "C", "utf8", ("马超", "machao@126.example"),
    "提车被加收上牌费金融服务费",
    """谈好的落地价是十三万八，提车那天销售说还要交三千的金融服务费和一千五的上牌费，
不交就不给车。之前报价单上根本没有这些项目。""")
add("p33_takeaway_price_app_en", "price", "C", "utf8", ("Sam Reid", "samreid@example.co.uk"),
    "Menu price vs what I paid",
    """Same meal costs 9.50 in the restaurant and 13.20 on your app, plus a service
fee and a small order fee. That's not a delivery charge, that's a mark-up you
don't show until checkout.""")
add("p34_insurance_premium_jump", "price", "C", "utf8", ("Paul Evans", "pevans@example.com"),
    "Renewal quote",
    """No claims, same car, same address, and my renewal has gone from 412 to 689.
A new customer gets the same cover on your website for 430. Explain that.""")
add("p35_ecommerce_price_drop_big5", "price", "C", "big5", ("林美華", "linmh@example.com.tw"),
    "剛買就降價",
    "我上週買的吸塵器付了8990元，今天看同一台只賣6990元，客服說不能補差價，這樣對嗎？")
add("i18_fake_charger_phone", "infringement", "C", "utf8", ("徐磊", "xulei@qq.example"),
    "店里买的原装充电器是假的",
    "在你们授权店买的所谓原装充电器，和手机盒子里那个一对比，字体、重量都不一样，官网查序列号查不到。")
add("i19_fake_car_parts_en", "infringement", "B", "utf8", ("Mike Turner", "mturner@example.com"),
    "Non-genuine parts fitted at service",
    """The invoice from my service says genuine brake pads, but the pads in the car
have no manufacturer markings at all - a mechanic friend says they are cheap
copies. I've reported it to trading standards.""")
add("o24_car_booking_question", "other", "C", "utf8", ("高阳", "gaoyang@163.example"),
    "咨询试驾预约",
    "你好，想问一下周末可以预约试驾吗？需要带驾驶证原件吗？谢谢。")
add("o25_airline_praise_en", "other", "C", "utf8", ("Helen Cho", "hcho@example.com"),
    "Thank you to the crew of flight 221",
    """Just wanted to say the crew on Sunday's flight were brilliant with my two
toddlers, and the captain kept us updated during the delay. Thank you.""")
add("o26_school_timetable", "other", "C", "utf8", ("家长", "parent2025@qq.example"),
    "寒假班时间",
    "请问寒假班什么时候开始报名？一周上几次课？")
add("o27_bank_spam_offer", "other", "C", "utf8", ("Loan Offers", "offers@mailer.example"),
    "Pre-approved: borrow up to $50,000 today",
    "You are pre-approved! Low monthly payments, no credit check. Click here to claim your offer today.")
add("o28_hotel_praise_zh", "other", "C", "utf8", ("杨柳", "yangliu@sina.example"),
    "感谢前台小李",
    "这次入住很满意，房间干净，前台小李还帮我们安排了接机，下次来还住你们家。")

# Second batch, written after the first had been used to improve the rules
# and before these were run: a check that the rules hold on new wording.
add("q42_ev_charging_fault_zh", "quality", "C", "utf8", ("邓凯", "dengkai@163.example"),
    "新能源车充电充到一半就跳枪",
    "车子才开了八千公里，快充充到百分之六十就自动断开，换了三个充电桩都一样，仪表还报动力电池故障。")
add("q43_laptop_keyboard_en", "quality", "C", "utf8", ("Nina Petrov", "npetrov@example.com"),
    "keys",
    "Two keys on my new laptop keep sticking and the trackpad clicks on its own. 6 weeks old.")
add("q44_aircon_smell_zh", "quality", "C", "utf8", ("钱晓", "qianxiao@qq.example"),
    "空调一开就有焦糊味",
    "新装的空调每次开机都有一股焦糊的味道，吹出来的风也不凉，家里有老人不敢用。")
add("q45_tweet_coffee_machine_en", "quality", "C", "utf8", ("@latte_lena", "lena.w@example.com"),
    "coffee machine",
    "@BrewCo third coffee machine in a year that just stops heating. Really?? #fail")
add("q46_sofa_peeling_zh", "quality", "C", "utf8", ("何静", "hejing@126.example"),
    "沙发皮面起皮",
    "沙发买回来不到一年，坐垫的皮大片起皮脱落，露出里面的布，跟用了十年一样。")
add("q47_wifi_router_drops_en", "quality", "C", "utf8", ("Rob Hughes", "rhughes@example.co.uk"),
    "Router you sent drops every hour",
    """The replacement router you sent on the 3rd reboots itself roughly every hour,
lights go orange then everything drops for five minutes. Old one did the same.""")
add("s43_airline_rebooked_badly_en", "service", "C", "utf8", ("Joe Adams", "jadams@example.com"),
    "Rebooked onto a flight 2 days later",
    """You cancelled my Tuesday flight by text at 11pm and the only option the app
offered was Thursday. Called, waited 2 hours, agent said nothing else available
although your own website showed seats on Wednesday. I missed a funeral.""")
add("s44_hotel_booking_lost_zh", "service", "C", "utf8", ("田甜", "tiantian@qq.example"),
    "到店说没有我的预订",
    "晚上十一点到酒店，前台说查不到我的订单，让我自己联系平台，在大堂等了一个多小时才给安排房间。")
add("s45_telecom_number_port_zh", "service", "C", "utf8", ("罗斌", "luobin@139.example"),
    "携号转网一直办不了",
    "申请携号转网两个月了，营业厅说要去归属地办，归属地又说网上办，来回踢皮球，到现在也没办成。")
add("s46_courier_fake_signature_en", "service", "C", "utf8", ("Amy Liu", "amyliu@example.com"),
    "Marked delivered, never arrived",
    """Tracking says delivered and signed for at 2.14pm. I was home all day, no knock,
nothing in the porch, neighbours haven't got it. Who signed?""")
add("s47_bank_app_transfer_zh", "service", "C", "utf8", ("宋雨", "songyu@163.example"),
    "手机银行转账失败钱被扣",
    "昨天用手机银行给房东转账，显示交易失败，但是卡里的钱已经少了，打客服说要等三到五个工作日查，房东催我交房租。")
add("s48_school_refused_transfer_class", "service", "C", "utf8", ("家长 周先生", "zhoux@126.example"),
    "要求换班一直没人处理",
    "孩子所在的班老师频繁更换，一学期换了四个，申请换到别的班，课程顾问说帮我问问，之后就再也没有消息了。")
add("s49_takeaway_wrong_items_en", "service", "C", "utf8", ("Liam O'Brien", "lobrien@example.ie"),
    "Wrong order again",
    "Got someone else's curry AGAIN and my naan was missing. Second time this month.")
add("s50_insurance_adjuster_zh", "service", "B", "utf8", ("秦海", "qinhai@qq.example"),
    "车险定损拖了一个月",
    """上个月被追尾，对方全责，车放在修理厂等定损，保险公司的定损员约了三次都没来，
修理厂天天催我挪车。再不处理我就向当地银保监分局投诉。""")
add("p36_gym_membership_en", "price", "C", "utf8", ("Sara Brooks", "sbrooks@example.com"),
    "Still charging after I cancelled",
    """Cancelled my gym membership in person in March, got a letter confirming it.
You have taken 29.99 from my account in April and May. Refund both please.""")
add("p37_telecom_package_changed_zh", "price", "C", "utf8", ("孔亮", "kongliang@139.example"),
    "套餐被改资费上涨",
    "我用的是每月58元的老套餐，这个月扣了88元，客服说套餐已经下架自动升级了，我根本没同意。")
add("p38_airline_compensation_en", "price", "B", "utf8", ("Kate Morris", "kmorris@example.co.uk"),
    "EU261 compensation",
    """Flight was 5 hours late, the crew said it was a technical fault. My claim for
the 400 euro compensation was rejected as 'extraordinary circumstances'. A fault
is not extraordinary. I'll take it to the aviation ADR scheme if you don't pay.""")
add("p39_hotel_deposit_not_returned", "price", "C", "utf8", ("曾敏", "zengmin@sina.example"),
    "押金一直没退回",
    "退房已经一周了，入住时交的500元押金还没退到卡里，前台说财务统一处理，让我再等等。")
add("p40_school_price_promise_zh", "price", "C", "utf8", ("家长 韩女士", "hanms@qq.example"),
    "报名时说的优惠没有兑现",
    "报名时顾问说一次性交两年送半年课时，合同签了钱也交了，现在说活动已经结束，送的课时不算数。")
add("p41_car_insurance_quote_en", "price", "C", "utf8", ("Ian Wright", "iwright@example.co.uk"),
    "Quote vs bill",
    "Your website quoted 380 for the year. The first direct debit makes it 455 with 'admin fees' nobody mentioned.")
add("p42_ecommerce_shipping_fee_zh", "price", "C", "utf8", ("姚琳", "yaolin@163.example"),
    "说好包邮结果收了运费",
    "商品页面写的是包邮，付款的时候多了12元运费，问客服说偏远地区要加钱，页面上根本没写。")
add("i20_pirated_course_videos", "infringement", "C", "utf8", ("李老师", "teacher.li@qq.example"),
    "你们平台有人卖我的课程盗版",
    "我在你们平台上发现有店铺在卖我录制的网课视频，连片头的名字都没改，售价只有我的十分之一，请下架。")
add("i21_knockoff_airpods_en", "infringement", "C", "utf8", ("Kevin Ross", "kross@example.com"),
    "These are not real",
    "The earbuds from your marketplace seller are obviously knockoffs - the case hinge is plastic and they pair as 'TWS-X9'.")
add("o29_telecom_plan_question_zh", "other", "C", "utf8", ("陆洋", "luyang@139.example"),
    "咨询套餐",
    "请问现在有没有适合老人用的套餐？主要打电话，流量用得很少。")
add("o30_airline_seat_question_en", "other", "C", "utf8", ("Ben Carter", "bcarter@example.com"),
    "Seat selection",
    "Hi, can I pick seats for a booking made through a travel agent? Reference K7QP2L. Thanks.")
add("o31_hotel_praise_en", "other", "C", "utf8", ("Ruth Adler", "radler@example.com"),
    "Lovely stay",
    """We had a lovely weekend, the room was spotless and the breakfast was excellent.
Special thanks to Marco at the bar. We'll be back.""")
add("o32_bank_address_change_zh", "other", "C", "utf8", ("冯磊", "fenglei@126.example"),
    "如何修改账单地址",
    "你好，我搬家了，想把信用卡账单寄送地址改一下，在哪里操作？")


def main():
    stems = set()
    for old in os.listdir(HERE):
        if old.endswith(".eml"):
            os.unlink(os.path.join(HERE, old))
    for i, entry in enumerate(M):
        stem = entry[0]
        assert stem not in stems, stem
        stems.add(stem)
        assert entry[1] in ("quality", "service", "price", "infringement", "other"), stem
        assert entry[2] in ("A", "B", "C"), stem
        with open(os.path.join(HERE, stem + ".eml"), "wb") as f:
            f.write(render(i, entry))
    print("%d messages written to %s" % (len(M), HERE))


if __name__ == "__main__":
    main()
