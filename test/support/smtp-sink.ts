import { createServer } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message a sink received: the envelope and the raw bytes as the client sent them. */
export interface SunkMessage {
  from: string;
  to: string[];
  raw: Buffer;
}

/**
 * A real SMTP server on loopback that accepts everything and keeps it (the outbound tests' relay).
 * `stop()` takes it down (a relay outage) and `start()` brings it back on the same port.
 */
export interface SmtpSink {
  readonly port: number;
  readonly messages: SunkMessage[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Answer the next N messages with a 4xx refusal (a relay that is up but refuses). */
  refuseNext(count: number): void;
}

/** A free loopback port (for a relay that is not up yet). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function createSmtpSink(options: { port?: number; start?: boolean } = {}): Promise<SmtpSink> {
  const port = options.port ?? (await freePort());
  const messages: SunkMessage[] = [];
  let server: SMTPServer | null = null;
  let refusals = 0;

  const sink: SmtpSink = {
    port,
    messages,
    refuseNext(count) {
      refusals = count;
    },
    async start() {
      if (server) return;
      const s = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS', 'AUTH'],
        logger: false,
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            if (refusals > 0) {
              refusals -= 1;
              const err = new Error('try again later') as Error & { responseCode: number };
              err.responseCode = 451;
              callback(err);
              return;
            }
            messages.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              raw: Buffer.concat(chunks),
            });
            callback(null, 'Ok: queued');
          });
        },
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      server = s;
    },
    async stop() {
      const s = server;
      server = null;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  if (options.start !== false) await sink.start();
  return sink;
}
