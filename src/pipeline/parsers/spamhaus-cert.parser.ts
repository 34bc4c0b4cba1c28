import type { FeedEvent } from '../../core/events/event.ts';
import { addExtra, baseEvent, classify, mapRecords } from './lib/outcomes.ts';
import { readLinesAsRecords } from './lib/text-input.ts';
import { readEpochSeconds } from './lib/time.ts';
import {
  FieldError,
  normalizeCc,
  normalizeFqdn,
  normalizeIp,
  normalizeUrl,
  quote,
  readAsn,
  readInteger,
  readIp,
  readPort,
} from './lib/values.ts';
import type { FeedParser } from './types.ts';

/**
 * Spamhaus CERT Insight portal feed: `;` comment lines, then
 * `ip, asn, country, lastseen (epoch), botname, domain, remote_ip, remote_port, local_port, protocol`.
 * The bot name decides the classification, as IntelMQ's parser does (infections by default).
 */

interface Kind {
  type: string;
  taxonomy: string;
  identifier?: string;
  application?: string;
  text?: string;
}

const BRUTE = (app: string): Kind => ({
  type: 'brute-force',
  taxonomy: 'intrusion-attempts',
  identifier: app,
  application: app,
});
const SCAN = (app: string): Kind => ({
  type: 'scanner',
  taxonomy: 'information-gathering',
  identifier: app,
  application: app,
});

const KINDS: Readonly<Record<string, Kind>> = {
  openrelay: {
    type: 'vulnerable-system',
    taxonomy: 'vulnerable',
    identifier: 'openrelay',
    application: 'smtp',
  },
  sshauth: BRUTE('ssh'),
  telnetauth: BRUTE('telnet'),
  smtpauth: BRUTE('smtp'),
  pop: BRUTE('pop'),
  imap: BRUTE('imap'),
  smb: SCAN('smb'),
  rdp: SCAN('rdp'),
  iotrdp: SCAN('rdp'),
  iotmicrosoftds: SCAN('microsoftds'),
  wpscanner: {
    type: 'scanner',
    taxonomy: 'information-gathering',
    identifier: 'wordpress-vulnerabilities',
    application: 'http',
    text: 'scanning for wordpress vulnerabilities',
  },
  w_wplogin: {
    type: 'scanner',
    taxonomy: 'information-gathering',
    identifier: 'wordpress-login',
    application: 'http',
    text: 'scanning for wordpress login pages',
  },
  proxyget: {
    type: 'other',
    taxonomy: 'other',
    identifier: 'proxyget',
    text: 'The malicious client used a honeypot as proxy.',
  },
  iotlogin: {
    type: 'brute-force',
    taxonomy: 'intrusion-attempts',
    identifier: 'iot',
    text: 'The infected IoT device logged in to a honeypot.',
  },
  iotcmd: {
    type: 'exploit',
    taxonomy: 'intrusion-attempts',
    identifier: 'iot',
    text: 'The infected IoT device logged in to a honeypot and issued malicious commands.',
  },
  ioturl: { type: 'c2-server', taxonomy: 'malicious-code', identifier: 'malware-generic' },
  automatedtest: {
    type: 'brute-force',
    taxonomy: 'intrusion-attempts',
    identifier: 'lookup-captcha',
    text: 'The device automatically brute-forced the Spamhaus CBL lookup.',
  },
  authspoofbadehlo: {
    type: 'brute-force',
    taxonomy: 'intrusion-attempts',
    identifier: 'authentication-spoof',
    application: 'smtp',
    text: 'The device spoofed SMTP authentication with a bad EHLO.',
  },
};

const PLACEHOLDER = new Set(['', '-', '?']);

export const spamhausCertParser: FeedParser = {
  id: 'spamhaus-cert',
  parse(input, ctx) {
    return mapRecords(readLinesAsRecords(input), (r): FeedEvent | null => {
      const line = r.raw.trim();
      if (line === '' || line.startsWith(';')) return null;
      const c = line.split(',').map((f) => f.trim());
      if (c.length < 5)
        throw new FieldError('line', `expected at least 5 comma-separated columns, got ${quote(line)}`);
      const col = (i: number): string => c[i] ?? '';
      const event = baseEvent(ctx.feedName, ctx.reportTime, 'Spamhaus', r.raw);
      event['source.ip'] = readIp('source.ip', col(0));
      if (!PLACEHOLDER.has(col(1))) {
        const asn = readAsn('source.asn', col(1));
        if (asn !== undefined) event['source.asn'] = asn;
      }
      const cc = normalizeCc(col(2));
      if (cc !== null) event['source.geolocation.cc'] = cc;
      event['time.source'] = readEpochSeconds('time.source', col(3));
      let bot = col(4).toLowerCase();
      const kind = KINDS[bot];
      if (kind !== undefined) {
        classify(event, kind.type, kind.taxonomy);
        if (kind.identifier) event['classification.identifier'] = kind.identifier;
        if (kind.application) event['protocol.application'] = kind.application;
        if (kind.text) event['event_description.text'] = kind.text;
      } else if (bot === 'iotscan' || bot === 'iotuser') {
        classify(event, 'scanner', 'information-gathering');
        event['event_description.text'] =
          'The possibly infected IoT device scanned for other vulnerable IoT devices.';
        if (col(7) === '23' || col(7) === '2323') {
          event['protocol.application'] = 'telnet';
          event['classification.identifier'] = 'telnet';
        } else event['classification.identifier'] = 'scanner-generic';
      } else if (bot === 'iotmirai') {
        classify(event, 'infected-system', 'malicious-code');
        event['classification.identifier'] = 'mirai';
        event['malware.name'] = 'mirai';
      } else if (bot === 'l_spamlink') {
        classify(event, 'spam', 'abusive-content');
        event['classification.identifier'] = 'spamlink';
        event['event_description.text'] = 'The URL appeared in a spam email sent by extra.spam_ip.';
        const parts = col(8).split(':');
        if (parts.length === 3) {
          addExtra(event, 'spam_ip', parts[0]);
          event['malware.version'] = parts[1]!;
          event['malware.name'] = parts[2]!.toLowerCase();
        }
        const url = normalizeUrl(col(6)) ?? normalizeUrl(col(5));
        if (url !== null) event['source.url'] = url;
      } else {
        if (bot === 'auto') bot = 's_other';
        classify(event, 'infected-system', 'malicious-code');
        event['malware.name'] = bot;
        const url = normalizeUrl(col(5));
        if (url !== null) event['source.url'] = url;
      }
      // the C&C columns: tolerant, as the feed puts placeholders, URLs and host:port pairs here
      if (bot !== 'iotscan' && col(5).indexOf(':') === -1) {
        const fqdn = normalizeFqdn(col(5));
        if (fqdn !== null) event['destination.fqdn'] = fqdn;
      }
      const dst = normalizeIp(col(6));
      if (dst !== null) event['destination.ip'] = dst;
      if (!PLACEHOLDER.has(col(7))) event['destination.port'] = readPort('destination.port', col(7));
      if (!PLACEHOLDER.has(col(8)) && bot !== 'l_spamlink')
        addExtra(event, 'source.local_port', readInteger('extra.source.local_port', col(8)));
      const transport = col(9).toLowerCase();
      if (!PLACEHOLDER.has(transport)) event['protocol.transport'] = transport;
      return event;
    });
  },
};
