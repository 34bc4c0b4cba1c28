import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeText, resolveCharset } from './charset.ts';

describe('decodeText', () => {
  it('decodes GB2312-labelled text as GB18030 (GBK characters included)', () => {
    // 镕 and 堃 are GBK, not GB2312: senders label such mail GB2312 all the same.
    const text = '国家互联网应急中心 镕 堃';
    expect(decodeText(iconv.encode(text, 'gbk'), 'GB2312')).toBe(text);
    expect(decodeText(iconv.encode(text, 'gb18030'), 'gbk')).toBe(text);
    expect(decodeText(iconv.encode(text, 'gbk'), '"gb2312"')).toBe(text);
  });

  it('decodes Big5-labelled text as Big5-HKSCS', () => {
    const text = '香港電腦保安事故協調中心 粵';
    expect(decodeText(iconv.encode(text, 'big5hkscs'), 'Big5')).toBe(text);
  });

  it('reads unknown or empty labels as UTF-8 with replacement characters', () => {
    expect(decodeText(Buffer.from('abc é', 'utf8'), 'x-no-such-charset')).toBe('abc é');
    expect(decodeText(Buffer.from([0x41, 0xff, 0x42]), '')).toBe('A\uFFFDB');
    expect(resolveCharset('nonsense')).toBe('utf8');
  });

  it('drops a UTF-8 BOM and decodes other labelled charsets', () => {
    expect(decodeText(Buffer.from('\uFEFFhi', 'utf8'), 'utf-8')).toBe('hi');
    expect(decodeText(iconv.encode('Grüße', 'iso-8859-1'), 'ISO-8859-1')).toBe('Grüße');
    expect(decodeText(iconv.encode('日本語', 'shift_jis'), 'Shift_JIS')).toBe('日本語');
  });
});
