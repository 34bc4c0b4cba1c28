import iconv from 'iconv-lite';

/**
 * Charsets that senders label with a narrower name than what they actually send: Chinese mail
 * labelled GB2312 routinely carries GBK characters (GB18030 is a superset of both), mail labelled
 * Big5 carries HKSCS characters, and ISO-8859-1 is in practice Windows-1252.
 */
const SUPERSETS: Readonly<Record<string, string>> = {
  gb2312: 'gb18030',
  'gb_2312-80': 'gb18030',
  gb_2312: 'gb18030',
  'euc-cn': 'gb18030',
  'x-euc-cn': 'gb18030',
  csgb2312: 'gb18030',
  gbk: 'gb18030',
  'x-gbk': 'gb18030',
  cp936: 'gb18030',
  'windows-936': 'gb18030',
  ms936: 'gb18030',
  gb18030: 'gb18030',
  big5: 'big5hkscs',
  'x-big5': 'big5hkscs',
  'big5-hkscs': 'big5hkscs',
  big5hkscs: 'big5hkscs',
  cp950: 'big5hkscs',
  'windows-950': 'big5hkscs',
  csbig5: 'big5hkscs',
  'iso-8859-1': 'windows-1252',
  latin1: 'windows-1252',
  'us-ascii': 'utf8',
  ascii: 'utf8',
};

/** The iconv-lite encoding used for a declared charset label; `utf8` when unknown or empty. */
export function resolveCharset(charset: string): string {
  const label = charset
    .trim()
    .replace(/^["']|["']$/g, '')
    .trim()
    .toLowerCase();
  if (label === '') return 'utf8';
  const mapped = SUPERSETS[label] ?? label;
  return iconv.encodingExists(mapped) ? mapped : 'utf8';
}

/**
 * Decodes bytes in a declared charset (e.g. a `report.txt` or attachment that carries its own
 * `charset=` parameter). GB2312/GBK are decoded as GB18030, Big5 as Big5-HKSCS; an unknown or
 * empty label is read as UTF-8, invalid sequences becoming U+FFFD. A leading BOM is dropped.
 */
export function decodeText(buf: Buffer, charset: string): string {
  return iconv.decode(buf, resolveCharset(charset));
}
