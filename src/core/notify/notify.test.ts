import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, RETRY_DELAYS_MS, nextAttemptAfter } from './backoff.ts';
import { CSV_BOM, buildCsv, escapeCsvCell } from './csv.ts';
import { decideRecipient, dueAt } from './intervals.ts';
import {
  DEFAULT_TEMPLATES,
  MAIL_ACTION_KINDS,
  MAIL_LANGUAGES,
  TEMPLATE_FIELDS,
  renderTemplate,
  threadedSubject,
  unknownPlaceholders,
  validateTemplate,
} from './templates.ts';

const MIN = 60_000;

describe('back-off', () => {
  it('waits 1m, 5m, 30m, 2h, 6h and then gives up', () => {
    const t0 = new Date('2007-06-30T08:00:00Z');
    const waits = [1, 2, 3, 4, 5].map((n) => (nextAttemptAfter(n, t0)!.getTime() - t0.getTime()) / MIN);
    expect(waits).toEqual([1, 5, 30, 120, 360]);
    expect(nextAttemptAfter(6, t0)).toBeNull();
    expect(MAX_ATTEMPTS).toBe(RETRY_DELAYS_MS.length + 1);
    expect(() => nextAttemptAfter(0, t0)).toThrow(RangeError);
  });
});

describe('intervals', () => {
  const now = new Date('2007-06-30T12:00:00Z');
  it('sends when nothing was sent yet, waits until the interval elapsed', () => {
    expect(decideRecipient({ interval: 'daily', suppress: false, lastMailAt: null, now })).toBe('send');
    expect(
      decideRecipient({ interval: 'hourly', suppress: false, lastMailAt: '2007-06-30T11:00:00.000Z', now }),
    ).toBe('send');
    expect(
      decideRecipient({ interval: 'daily', suppress: false, lastMailAt: '2007-06-30T11:00:00.000Z', now }),
    ).toBe('wait');
    expect(
      decideRecipient({ interval: 'weekly', suppress: false, lastMailAt: '2007-06-24T12:00:00.000Z', now }),
    ).toBe('wait');
    expect(
      decideRecipient({
        interval: 'immediate',
        suppress: false,
        lastMailAt: '2007-06-30T11:59:59.000Z',
        now,
      }),
    ).toBe('send');
    expect(dueAt('daily', '2007-06-30T11:00:00.000Z')).toBe('2007-07-01T11:00:00.000Z');
  });
  it('suppresses suppressed organisations and interval never', () => {
    expect(decideRecipient({ interval: 'hourly', suppress: true, lastMailAt: null, now })).toBe('suppress');
    expect(decideRecipient({ interval: 'never', suppress: false, lastMailAt: null, now })).toBe('suppress');
  });
});

describe('CSV (RFC 4180, UTF-8 with BOM)', () => {
  it('quotes commas, quotes and line breaks, ends lines with CRLF', () => {
    const csv = buildCsv([
      { ip: '192.0.2.1', note: 'a,b', name: '他说"你好"' },
      { ip: '192.0.2.2', note: 'line1\nline2', name: null },
    ]);
    expect(csv.startsWith(CSV_BOM)).toBe(true);
    expect(csv.slice(1)).toBe(
      'ip,note,name\r\n192.0.2.1,"a,b","他说""你好"""\r\n192.0.2.2,"line1\nline2",\r\n',
    );
  });
  it('defuses spreadsheet formulas but keeps negative numbers', () => {
    expect(escapeCsvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(escapeCsvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(escapeCsvCell('-5')).toBe('-5');
    expect(escapeCsvCell('-cmd')).toBe("'-cmd");
    expect(escapeCsvCell(42)).toBe('42');
  });
  it('takes the columns of every row in first-seen order', () => {
    expect(buildCsv([{ a: 1 }, { b: 2 }], undefined, { bom: false })).toBe('a,b\r\n1,\r\n,2\r\n');
  });
});

describe('templates', () => {
  const vars = Object.fromEntries(TEMPLATE_FIELDS.map((f) => [f, `<${f}>`])) as Record<string, string>;
  it('ships a template for every mail action kind in both languages, using only known fields', () => {
    for (const kind of MAIL_ACTION_KINDS)
      for (const lang of MAIL_LANGUAGES) {
        const t = DEFAULT_TEMPLATES[kind][lang];
        expect(() => validateTemplate(t)).not.toThrow();
        const out = renderTemplate(t, vars);
        expect(out.body).not.toMatch(/\{\{/);
        expect(out.body).toContain('<incidentId>');
      }
  });
  it('renders Chinese and English texts', () => {
    const zh = renderTemplate(DEFAULT_TEMPLATES.contact_isp['zh-CN'], { ...vars, title: '钓鱼网站' });
    const en = renderTemplate(DEFAULT_TEMPLATES.contact_isp.en, { ...vars, title: 'Phishing site' });
    expect(zh.subject).toBe('请协助处置网络安全事件：钓鱼网站');
    expect(en.subject).toBe('Request for assistance with a security incident: Phishing site');
    expect(zh.body).toContain('事件编号：#<incidentId>');
    expect(en.body).toContain('Incident: #<incidentId>');
  });
  it('keeps subjects on one line', () => {
    const out = renderTemplate(
      { subject: 'x {{title}}', body: 'b' },
      { title: 'a\r\nBcc: evil@example.com' },
    );
    expect(out.subject).toBe('x a Bcc: evil@example.com');
  });
  it('refuses unknown placeholders, naming them', () => {
    expect(unknownPlaceholders('{{title}} {{nope}}')).toEqual(['nope']);
    expect(() => validateTemplate({ subject: 'S {{nope}}', body: 'B' })).toThrow(
      /unknown placeholder \{\{nope\}\}/,
    );
    expect(() => validateTemplate({ subject: '', body: 'B' })).toThrow(/subject: must not be empty/);
  });
  it('prefixes the threading tag once', () => {
    expect(threadedSubject('certops', 12, 'Hello')).toBe('[certops #12] Hello');
    expect(threadedSubject('certops', 12, 'Re: [certops #12] Hello')).toBe('Re: [certops #12] Hello');
  });
});
