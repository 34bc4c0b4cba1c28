import { bodyLimit } from 'hono/body-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../core/auth/actor.ts';
import { createRouter } from '../app.ts';
import { renderPublicBodyTooLarge } from './error-pages.tsx';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { DIALECTS } from '../../../test/support/db.ts';

/** What @hono/node-server passes as c.env: the client's address (the rate limit's key). */
const from = (ip: string) => ({ incoming: { socket: { remoteAddress: ip } } });

const RATE_LIMIT = 3;
const UPLOAD_LIMIT = 4096;
const TRACKING_RE = /\d{4}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}/;

/** Decodes the few entities hono/jsx writes, to compare page text with what was typed. */
function unescapeHtml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

describe.each(DIALECTS)('public site on %s', (dialect) => {
  let t: TestApp;
  let ipSeq = 0;
  /** A fresh client address per test, so the per-IP rate limit only bites where a test wants it. */
  const nextIp = () => `198.51.100.${++ipSeq}`;

  beforeAll(async () => {
    t = await createTestApp(dialect, {
      config: {
        http: { uploadLimit: UPLOAD_LIMIT, publicBaseUrl: 'https://www.cert.example.cn' },
        // A window far longer than the test run: no window boundary can fall between two requests.
        rateLimits: { publicReportsPerWindow: RATE_LIMIT, windowSeconds: 10_000_000 },
        site: { contactEmail: 'cert@cert.example.cn', contactPhone: '+86 10 1234 5678' },
      },
    });
  });
  afterAll(async () => {
    await t.destroy();
  });

  async function formToken(ip: string, lang = ''): Promise<string> {
    const res = await t.app.request(`/report${lang ? `?lang=${lang}` : ''}`, {}, from(ip));
    expect(res.status).toBe(200);
    const m = /name="_form" value="([^"]+)"/.exec(await res.text());
    expect(m).not.toBeNull();
    return m![1]!;
  }

  async function postReport(
    fields: Record<string, string>,
    opts: {
      ip?: string;
      file?: File;
      token?: string | null;
      headers?: Record<string, string>;
      query?: string;
    } = {},
  ): Promise<Response> {
    const ip = opts.ip ?? nextIp();
    const fd = new FormData();
    const token = opts.token === undefined ? await formToken(ip) : opts.token;
    if (token !== null) fd.set('_form', token);
    for (const [k, v] of Object.entries(fields)) fd.set(k, v);
    if (opts.file) fd.set('file', opts.file);
    return t.app.request(
      `/report${opts.query ?? ''}`,
      { method: 'POST', body: fd, headers: opts.headers ?? {} },
      from(ip),
    );
  }

  async function countReports(): Promise<number> {
    const row = await t.database.db
      .selectFrom('reports')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function reportRow(trackingNumber: string) {
    return t.database.db
      .selectFrom('reports')
      .selectAll()
      .where('tracking_number', '=', trackingNumber)
      .executeTakeFirstOrThrow();
  }

  function ackOf(html: string): { trackingNumber: string; statusPath: string } {
    const tn = /id="tracking-number">([^<]+)</.exec(html)?.[1];
    const href = /id="status-link" href="([^"]+)"/.exec(html)?.[1];
    expect(tn, 'tracking number on the ack page').toMatch(TRACKING_RE);
    expect(href, 'status link on the ack page').toBeDefined();
    return { trackingNumber: tn!, statusPath: unescapeHtml(href!) };
  }

  it('serves the home page with the contacts, the form link and a language switch', async () => {
    const zh = await t.app.request('/');
    expect(zh.status).toBe(200);
    const html = await zh.text();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('如何报告');
    expect(html).toContain('href="mailto:cert@cert.example.cn"');
    expect(html).toContain('href="tel:+861012345678"');
    expect(html).toContain('+86 10 82990375'); // the default fax
    expect(html).toContain('href="/report"');
    expect(html).toContain('href="/?lang=en"');
    expect(html).not.toMatch(/<script/); // the public site runs no script at all

    const en = await t.app.request('/?lang=en');
    const enHtml = await en.text();
    expect(enHtml).toContain('<html lang="en">');
    expect(enHtml).toContain('How to report');
    expect(enHtml).toContain('href="/?lang=zh-CN"');
    expect((await t.app.request('/static/public.css')).headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('offers the form with the nine categories, a signed token, a honeypot and a file field', async () => {
    const res = await t.app.request('/report?lang=en');
    const html = await res.text();
    expect(res.headers.get('cache-control')).toBe('no-store');
    const options = [...html.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1]);
    expect(options).toEqual([
      'phishing',
      'spam',
      'web-malicious-code',
      'vulnerability',
      'virus-worm-trojan',
      'dos',
      'defacement',
      'scanning',
      'other',
    ]);
    for (const label of [
      'Phishing',
      'Description',
      'URLs or IP addresses involved',
      'Your name',
      'E-mail',
      'Phone',
    ])
      expect(html).toContain(label);
    expect(html).toContain('enctype="multipart/form-data"');
    expect(html).toMatch(/name="_form" value="[0-9a-z]+\.[A-Za-z0-9_-]{12}\.[A-Za-z0-9_-]{43}"/);
    expect(html).toMatch(/<div class="hp" aria-hidden="true">.*name="website".*tabindex="-1"/);
    expect(html).toContain('type="file" name="file"');
    expect(html).toContain('4 KB'); // the upload limit, said before anyone tries
  });

  it('files a phishing report with a URL: 200 acknowledgement with the tracking number and the status link', async () => {
    const res = await postReport({
      category: 'phishing',
      description: 'A page imitating a bank asks for card numbers.',
      urls: 'http://bank-login.example.com/verify\n\n203.0.113.7\n',
      name: '张三',
      email: 'zhang@example.cn',
      phone: '',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('报告已收到');
    const { trackingNumber, statusPath } = ackOf(html);
    expect(statusPath).toMatch(new RegExp(`^/status/${trackingNumber}\\?s=[A-Za-z0-9_-]{32}$`));
    expect(html).toContain(`>https://www.cert.example.cn${statusPath}</a>`);
    expect(html).toContain('请妥善保存此链接');

    // Stored as a web report, opening a phishing incident, with the URL and the IP as observables.
    const row = await reportRow(trackingNumber);
    expect(row.channel).toBe('web');
    expect(row.category).toBe('phishing');
    expect(row.reporter_name).toBe('张三');
    expect(row.reporter_email).toBe('zhang@example.cn');
    expect(row.description).toContain('A page imitating a bank');
    expect(row.description).toContain('http://bank-login.example.com/verify');
    expect(JSON.parse(row.meta)).toMatchObject({
      affected: ['http://bank-login.example.com/verify', '203.0.113.7'],
    });
    expect(row.incident_id).not.toBeNull();
    const incident = await t.services.incidents.getIncident(systemActor('test'), Number(row.incident_id));
    expect(incident.category).toBe('phishing');
    expect(incident.state).toBe('new');
    const values = incident.observables.map((o) => o.value);
    expect(values).toContain('203.0.113.7');
    expect(values.some((v) => v.includes('bank-login.example.com'))).toBe(true);
  });

  it('shows the status in plain words behind the secret link, and nothing else', async () => {
    const res = await postReport({
      category: 'defacement',
      description: 'Our home page shows a hacker slogan since this morning.',
      urls: 'http://www.county-gov.example.cn/',
      name: 'Li Si',
      email: 'li.si@example.cn',
    });
    const { trackingNumber, statusPath } = ackOf(await res.text());

    const zh = await t.app.request(statusPath);
    expect(zh.status).toBe(200);
    expect(zh.headers.get('cache-control')).toBe('no-store');
    const zhHtml = await zh.text();
    expect(zhHtml).toMatch(/id="report-state" data-state="received">已收到</);
    expect(zhHtml).toContain('网页篡改');
    expect(zhHtml).toContain(trackingNumber);
    expect(zhHtml).toContain('2007-06-30 16:00'); // last update, in the configured time zone (Asia/Shanghai)
    for (const secretish of ['hacker slogan', 'li.si@example.cn', 'Li Si', 'county-gov'])
      expect(zhHtml).not.toContain(secretish);

    const en = await t.app.request(`${statusPath}&lang=en`);
    expect(await en.text()).toMatch(/data-state="received">Received</);

    // Handled by staff: triaged → "being handled", resolved → "resolved".
    const row = await reportRow(trackingNumber);
    const system = systemActor('test');
    await t.services.incidents.changeState(system, Number(row.incident_id), { state: 'triaged' });
    expect(await (await t.app.request(`${statusPath}&lang=en`)).text()).toMatch(
      /data-state="handling">Being handled</,
    );
    await t.services.incidents.changeState(system, Number(row.incident_id), { state: 'resolved' });
    expect(await (await t.app.request(`${statusPath}&lang=en`)).text()).toMatch(
      /data-state="resolved">Resolved</,
    );
  });

  it('answers a wrong secret and an unknown number with the same 404 page', async () => {
    const res = await postReport({ category: 'spam', description: 'Spam from a mail server.' });
    const { trackingNumber, statusPath } = ackOf(await res.text());
    const wrong = await t.app.request(`/status/${trackingNumber}?s=${'A'.repeat(32)}`);
    const none = await t.app.request(`/status/${trackingNumber}`);
    const unknown = await t.app.request(`/status/2007-00000-00000?s=${statusPath.split('s=')[1]}`);
    const garbage = await t.app.request('/status/not-a-number?s=x');
    const bodies = [];
    for (const r of [wrong, none, unknown, garbage]) {
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      bodies.push(await r.text());
    }
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).toContain('找不到您要访问的页面');
    expect(bodies[0]).not.toContain(trackingNumber);
  });

  it('redirects the status form to the status page, and asks again for what is missing', async () => {
    const form = await t.app.request('/status');
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="n"');
    const missing = await t.app.request('/status?n=2007-ABCDE-FGHJK&s=');
    expect(missing.status).toBe(400);
    const html = await missing.text();
    expect(html).toContain('请填写查询密钥');
    expect(html).toContain('value="2007-ABCDE-FGHJK"');
    const go = await t.app.request('/status?n=+2007-ABCDE-FGHJK+&s=abc_DEF-1');
    expect(go.status).toBe(303);
    expect(go.headers.get('location')).toBe('/status/2007-ABCDE-FGHJK?s=abc_DEF-1');
  });

  it('answers a missing description with the form again (400), the field message shown and every value kept', async () => {
    const before = await countReports();
    const res = await postReport(
      {
        category: 'web-malicious-code',
        description: '   ',
        urls: 'http://drive-by.example.net/x.js',
        name: 'O\'Brien & "Sons"',
        email: 'obrien@example.net',
        phone: '+44 20 7946 0000',
      },
      { query: '?lang=en' },
    );
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Please correct the following');
    expect(html).toMatch(/<p class="error" id="f-description-error">Please describe the incident\.<\/p>/);
    expect(html).toContain('aria-invalid="true"');
    expect(html).toMatch(/<option value="web-malicious-code" selected="">/);
    expect(html).toContain('http://drive-by.example.net/x.js</textarea>');
    expect(html).toContain('value="O&#39;Brien &amp; &quot;Sons&quot;"');
    expect(html).toContain('value="obrien@example.net"');
    expect(html).toContain('value="+44 20 7946 0000"');
    expect(html).toMatch(/name="_form" value="[^"]+"/); // a fresh token to submit again
    expect(await countReports()).toBe(before);

    const badEmail = await postReport({ category: 'spam', description: 'x', email: 'not-an-address' });
    expect(badEmail.status).toBe(400);
    expect(await badEmail.text()).toContain('电子邮件地址格式不正确');
    const badCategory = await postReport({ category: 'fraud', description: 'x' });
    expect(badCategory.status).toBe(400);
    expect(await badCategory.text()).toContain('请选择列表中的事件类型');
  });

  it('refuses a form without a valid signed token, or posted from another site (403, values kept)', async () => {
    const before = await countReports();
    const none = await postReport({ category: 'spam', description: 'no token here' }, { token: null });
    expect(none.status).toBe(403);
    const html = await none.text();
    expect(html).toContain('表单已过期或无效');
    expect(html).toContain('no token here</textarea>');
    const ip = nextIp();
    const good = await formToken(ip);
    const forged = `${good.slice(0, -4)}AAAA`;
    expect(
      (await postReport({ category: 'spam', description: 'forged' }, { ip, token: forged })).status,
    ).toBe(403);
    const crossSite = await postReport(
      { category: 'spam', description: 'cross-site' },
      { headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } },
    );
    expect(crossSite.status).toBe(403);
    const sameSite = await postReport(
      { category: 'spam', description: 'same site' },
      { headers: { origin: 'https://www.cert.example.cn' } },
    );
    expect(sameSite.status).toBe(200);
    expect(await countReports()).toBe(before + 1);
  });

  it('drops a submission whose honeypot is filled, quietly: a thank-you page and nothing stored', async () => {
    const before = await countReports();
    const res = await postReport({
      category: 'phishing',
      description: 'Buy cheap watches',
      website: 'http://spam.example.com',
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('感谢您的报告');
    expect(html).not.toMatch(TRACKING_RE);
    expect(html).not.toContain('status-link');
    expect(await countReports()).toBe(before);
  });

  it('limits reports per address: 429 with Retry-After after N in the window', async () => {
    const ip = nextIp();
    for (let i = 0; i < RATE_LIMIT; i++) {
      const ok = await postReport({ category: 'spam', description: `report ${i}` }, { ip });
      expect(ok.status).toBe(200);
    }
    const limited = await postReport({ category: 'spam', description: 'one too many' }, { ip });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toContain('提交过于频繁');
    // Another address is not affected.
    expect((await postReport({ category: 'spam', description: 'elsewhere' })).status).toBe(200);
  });

  it('refuses an attachment over the upload limit with the 413 page, and stores a small one', async () => {
    const before = await countReports();
    const big = new File([new Uint8Array(UPLOAD_LIMIT + 1).fill(65)], 'mail.eml', { type: 'message/rfc822' });
    const res = await postReport(
      { category: 'phishing', description: 'see attachment' },
      { file: big, query: '?lang=en' },
    );
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('over the limit of 4 KB');
    expect(await countReports()).toBe(before);

    // A body over the app-wide limit is refused before the route runs (413 either way).
    const huge = new File([new Uint8Array(t.config.http.bodyLimit + 1)], 'huge.bin');
    const refused = await postReport({ category: 'phishing', description: 'huge' }, { file: huge });
    expect(refused.status).toBe(413);
    expect(await countReports()).toBe(before);

    const small = new File(
      ['Received: from mx.example.com\nSubject: verify your account at http://phish.example.org/\n'],
      'mail.eml',
      {
        type: 'message/rfc822',
      },
    );
    const ok = await postReport({ category: 'phishing', description: 'see attachment' }, { file: small });
    expect(ok.status).toBe(200);
    const html = await ok.text();
    expect(html).toContain('mail.eml');
    const { trackingNumber } = ackOf(html);
    const row = await reportRow(trackingNumber);
    const incident = await t.services.incidents.getIncident(systemActor('test'), Number(row.incident_id));
    expect(incident.reports[0]!.attachments).toMatchObject([
      { filename: 'mail.eml', contentType: 'message/rfc822' },
    ]);
    expect(incident.observables.some((o) => o.value.includes('phish.example.org'))).toBe(true);
  });

  it('offers the body-limit handler a 413 page for public paths, and null for the API and console', async () => {
    const app = createRouter();
    app.use('*', async (c, next) => {
      c.set('lang', 'en');
      await next();
    });
    app.use(
      '*',
      bodyLimit({
        maxSize: 10,
        onError: (c) =>
          renderPublicBodyTooLarge(c, t.config) ?? c.json({ error: { id: 'payload_too_large' } }, 413),
      }),
    );
    app.post('*', (c) => c.text('accepted'));
    const post = (p: string) => app.request(p, { method: 'POST', body: 'x'.repeat(100) });
    const page = await post('/report');
    expect(page.status).toBe(413);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('over the limit of 4 KB');
    for (const p of ['/api/v1/reports', '/console/incidents/1/actions']) {
      const res = await post(p);
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    }
  });

  it('escapes what people type on the acknowledgement page', async () => {
    const res = await postReport({
      category: 'other',
      description: '<script>alert(1)</script> and <img src=x onerror=alert(2)>',
      urls: '"><script>alert(3)</script>',
      name: '<b>bold</b>',
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;');
  });

  it('publishes security.txt (RFC 9116)', async () => {
    const res = await t.app.request('/.well-known/security.txt');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await res.text();
    const fields = new Map<string, string[]>();
    for (const line of text.trim().split('\n')) {
      const m = /^([A-Za-z-]+): (.+)$/.exec(line);
      expect(m, `line "${line}"`).not.toBeNull();
      fields.set(m![1]!, [...(fields.get(m![1]!) ?? []), m![2]!]);
    }
    expect(fields.get('Contact')).toEqual(['mailto:cert@cert.example.cn', 'tel:+861012345678']);
    expect(fields.get('Preferred-Languages')).toEqual(['zh, en']);
    expect(fields.get('Canonical')).toEqual(['https://www.cert.example.cn/.well-known/security.txt']);
    const expires = fields.get('Expires') ?? [];
    expect(expires).toHaveLength(1);
    expect(expires[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const days = (Date.parse(expires[0]!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThan(367);
    const legacy = await t.app.request('/security.txt');
    expect(legacy.status).toBe(301);
    expect(legacy.headers.get('location')).toBe('/.well-known/security.txt');
  });

  it('answers unknown public pages with the HTML 404 page, leaving the API its JSON', async () => {
    const page = await t.app.request('/no-such-page?lang=en');
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('The page you asked for does not exist');
    const api = await t.app.request('/api/v1/no-such-thing');
    expect(api.headers.get('content-type')).toMatch(/^application\/json/);
  });
});
