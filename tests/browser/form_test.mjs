// Drives the complaint form in headless Debian Chromium with playwright-core.
// usage: node form_test.mjs BASE_URL ATTACHMENT_PATH SCREENSHOT_DIR
// Prints one JSON object with what the page showed; the Python harness
// (run_browser.py) checks it against MariaDB and the SMTP sink.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, attachment, shots] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'ctd-chromium-'));
// a fresh profile directory per run (playwright passes it as --user-data-dir)
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  locale: 'zh-CN',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const out = {};
try {
  const page = await context.newPage();

  // 1. a Chinese complaint with an attachment, typed like a customer
  await page.goto(`${base}/complaint`);
  out.title = await page.title();
  await page.getByLabel('姓名').fill('王小明');
  await page.getByLabel('电子邮箱').fill('xiaoming.wang@customer.example');
  await page.getByLabel('联系电话').fill('+86 139 1234 5678');
  await page.getByLabel('订单号').fill('JD-88442211');
  await page.getByLabel('产品名称 / 型号').fill('空气净化器 AP-300');
  await page.getByLabel('购买地点').fill('上海徐汇门店');
  await page.getByLabel('购买日期').fill('2024-04-18');
  await page.getByLabel('事情经过').fill('净化器开机十分钟就冒烟，有焦糊味，吓坏了孩子。\n客服说要等两周才能上门。');
  await page.getByLabel(/您的诉求/).fill('要求退货并赔偿');
  await page.getByLabel('希望的处理方式').selectOption('refund');
  await page.getByLabel(/附件/).setInputFiles(attachment);
  await Promise.all([page.waitForURL(/\/complaint\/done/), page.getByRole('button', { name: '提交投诉' }).click()]);
  out.done_url = page.url();
  out.ref = (await page.locator('#ref').textContent()).trim();

  // 2. a required field left empty: the error next to it, the input kept
  await page.goto(`${base}/complaint?lang=en`);
  await page.getByLabel('Name').fill('Mary <Smith>');
  await page.getByLabel('E-mail').fill('mary@customer.example');
  await page.getByLabel('Order number').fill('A-1');
  // "required" in the page would stop the browser; a customer with an old
  // browser (or none of that check) gets the server's answer
  await page.evaluate(() => document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required')));
  await page.getByRole('button', { name: 'Send complaint' }).click();
  await page.waitForSelector('#description-error');
  out.missing = {
    error: (await page.locator('#description-error').textContent()).trim(),
    // the error directly follows its field
    next_to_field: await page.evaluate(() => {
      const e = document.getElementById('description-error');
      return e.previousElementSibling && e.previousElementSibling.id === 'description';
    }),
    described_by: await page.getAttribute('#description', 'aria-describedby'),
    name: await page.inputValue('#name'),
    email: await page.inputValue('#email'),
    order_no: await page.inputValue('#order_no'),
    summary: (await page.locator('#error-summary').textContent()).trim(),
  };

  // 3. the layout on a desktop and a phone: the submit button on its own
  // row below the attachment hint, inside the page, styled by form.css;
  // screenshots for review
  out.layout = {};
  for (const [width, name] of [[1280, 'desktop'], [390, 'phone']]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${base}/complaint`);
    await page.locator('#submit').scrollIntoViewIfNeeded();
    out.layout[name] = await page.evaluate(() => {
      const box = (id) => {
        const r = document.getElementById(id).getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width };
      };
      return {
        button: box('submit'), hint: box('attachments-hint'), file: box('attachments'),
        viewport: { width: window.innerWidth, height: window.innerHeight },
        scroll_width: document.documentElement.scrollWidth,
        button_bg: getComputedStyle(document.getElementById('submit')).backgroundColor,
        hint_display: getComputedStyle(document.getElementById('attachments-hint')).display,
      };
    });
    await page.screenshot({ path: join(shots, `form-zh-${width}.png`), fullPage: true });
  }
  // the English page with its errors, on a phone
  await page.goto(`${base}/complaint?lang=en`);
  await page.evaluate(() => document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required')));
  await page.getByRole('button', { name: 'Send complaint' }).click();
  await page.waitForSelector('#error-summary');
  out.layout.errors_en = (await page.locator('#name-error').textContent()).trim();
  await page.screenshot({ path: join(shots, 'form-en-390-errors.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: join(shots, 'form-en-1280-errors.png'), fullPage: true });
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
