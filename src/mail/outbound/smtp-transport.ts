import nodemailer from 'nodemailer';
import type { MailTransport, TransportMessage, TransportResult } from '../../services/ports.ts';
import { buildMime } from './mime.ts';
import type { MessageSigner } from './pgp-sign.ts';

export interface RelayOptions {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  timeoutMs: number;
  /** Accept the relay's self-signed certificate (tests, a relay on the same host). */
  allowSelfSigned?: boolean;
}

/**
 * Outgoing SMTP through the configured relay (nodemailer). Every message is composed here (and
 * PGP/MIME-signed when a signer is given) and handed to the relay as is, with the envelope
 * sender and recipient stated explicitly.
 */
export function createSmtpTransport(
  relay: RelayOptions,
  options: { fromName?: string; signer?: MessageSigner | null } = {},
): MailTransport {
  const transporter = nodemailer.createTransport({
    host: relay.host,
    port: relay.port,
    secure: relay.secure,
    ...(relay.user ? { auth: { user: relay.user, pass: relay.pass } } : {}),
    connectionTimeout: relay.timeoutMs,
    greetingTimeout: relay.timeoutMs,
    socketTimeout: relay.timeoutMs * 2,
    ...(relay.allowSelfSigned ? { tls: { rejectUnauthorized: false } } : {}),
  });
  return {
    async send(m: TransportMessage): Promise<TransportResult> {
      let raw = await buildMime(m, options.fromName ?? '');
      if (options.signer) raw = await options.signer.sign(raw);
      const info = await transporter.sendMail({ envelope: { from: m.from, to: [m.to] }, raw });
      const rejected = (info.rejected ?? []).map(String);
      if (rejected.length) throw new Error(`relay rejected ${rejected.join(', ')}: ${info.response ?? ''}`);
      return {
        response: String(info.response ?? ''),
        accepted: (info.accepted ?? []).map(String),
        rejected,
      };
    },
    close() {
      transporter.close();
    },
  };
}
