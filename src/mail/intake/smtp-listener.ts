import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { MailEnvelope } from '../../services/ports/mail-intake.port.ts';

/** A report address and the branch its mail goes to. */
export interface ReportAddress {
  address: string;
  branchCode: string;
}

export interface SmtpListenerOptions {
  host: string;
  /** 0: an ephemeral port (tests). */
  port: number;
  /** Largest message, bytes: advertised with SIZE, refused at MAIL FROM SIZE=… and while streaming (552). */
  maxMessageBytes: number;
  /** Recipients per message; the rest get 452. */
  maxRecipients: number;
  addresses: ReportAddress[];
  /** Server name in the banner and EHLO. */
  name?: string;
  /** Stores the message durably; a rejection becomes `451 4.3.0` and the sender retries. */
  store(envelope: MailEnvelope, raw: Buffer): Promise<{ id: number }>;
  /** Called after a message was stored and acknowledged (wakes the processor). */
  onStored?(id: number): void;
  onError?(error: Error, context: Record<string, unknown>): void;
  /** Open connections at most. */
  maxClients?: number;
}

export interface SmtpListener {
  port: number;
  host: string;
  /** Stops accepting, lets open transactions finish (up to `graceMs`), then closes. */
  close(graceMs?: number): Promise<void>;
}

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

/** The report addresses by lower-cased address. */
export function addressBook(addresses: ReportAddress[]): Map<string, string> {
  return new Map(addresses.map((a) => [a.address.trim().toLowerCase(), a.branchCode]));
}

/**
 * The built-in SMTP listener (docs/mail.md): accepts mail for the report addresses only (550
 * 5.1.1 otherwise), at most `maxRecipients` recipients (452), at most `maxMessageBytes` (552,
 * without buffering more than that), and answers 250 only after `store` has committed the raw
 * message. No authentication and no STARTTLS: it listens on loopback behind the site's MTA.
 */
export async function startSmtpListener(options: SmtpListenerOptions): Promise<SmtpListener> {
  const book = addressBook(options.addresses);
  const name = options.name ?? 'certops';
  const limit = options.maxMessageBytes;

  const server = new SMTPServer({
    name,
    banner: `${name} ESMTP certops report intake`,
    size: limit,
    rejectOversized: true,
    maxRecipients: options.maxRecipients,
    maxClients: options.maxClients ?? 200,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideSTARTTLS: true,
    logger: false,
    socketTimeout: 120_000,
    closeTimeout: 10_000,
    onRcptTo(address, _session, callback) {
      const key = address.address.trim().toLowerCase();
      if (!book.has(key)) {
        callback(smtpError(550, `5.1.1 <${address.address}>: no such report address here`));
        return;
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      let bytes = 0;
      let over = false;
      stream.on('data', (chunk: Buffer) => {
        if (over) return;
        bytes += chunk.length;
        if (bytes > limit) {
          // Counting while streaming: past the limit nothing more is kept.
          over = true;
          chunks.length = 0;
          return;
        }
        chunks.push(chunk);
      });
      stream.once('error', (err) => callback(smtpError(451, `4.3.0 ${err.message}`)));
      stream.once('end', () => {
        if (over || stream.sizeExceeded) {
          callback(smtpError(552, `5.3.4 message exceeds the maximum size of ${limit} bytes`));
          return;
        }
        if (bytes === 0) {
          callback(smtpError(554, '5.6.0 empty message: nothing to store'));
          return;
        }
        const raw = Buffer.concat(chunks, bytes);
        chunks.length = 0;
        const rcpt = session.envelope.rcptTo.map((r) => r.address.trim().toLowerCase());
        const envelope: MailEnvelope = {
          source: 'smtp',
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: rcpt,
          branchCode: book.get(rcpt[0] ?? '') ?? options.addresses[0]?.branchCode ?? '',
          remoteIp: session.remoteAddress ?? '',
          helo: String(session.hostNameAppearsAs || ''),
        };
        options.store(envelope, raw).then(
          ({ id }) => {
            callback(null, `2.0.0 stored as message ${id}`);
            options.onStored?.(id);
          },
          (err: Error) => {
            options.onError?.(err, { remoteIp: envelope.remoteIp, bytes });
            callback(smtpError(451, '4.3.0 temporary storage failure, try again later'));
          },
        );
      });
    },
  });
  server.on('error', (err) => options.onError?.(err, { where: 'smtp server' }));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.server.off('error', onError);
      resolve();
    });
  });
  const addr = server.server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    port: addr.port,
    host: options.host,
    close: (graceMs = 5_000) =>
      (closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          // Connections still open after the grace period are cut; their senders retry.
          for (const c of (server as unknown as { connections?: Set<{ close(): void }> }).connections ?? [])
            c.close();
        }, graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
      })),
  };
}
