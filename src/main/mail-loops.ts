import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { AppServices } from '../services/index.ts';

export interface MailLoops {
  /** Stops the timers and waits for a round in progress. */
  stop(): Promise<void>;
}

/**
 * The background work of outgoing mail inside `certops serve`: the outbox sender (every
 * `mail.outboxPollSeconds`, when a relay is configured) and the bulk-notification scheduler
 * (every `mail.notify.runEveryMinutes`; 0 turns it off). Rounds never overlap; a failing round is
 * logged and the next one runs as usual. Several servers may run them: the outbox claims each
 * message once and a notification batch commits its items only once.
 */
export function startMailLoops(
  services: AppServices,
  config: Config,
  logger: Logger,
  /** Periods in milliseconds instead of the configured ones (tests). */
  periods: { outboxMs?: number; notifyMs?: number } = {},
): MailLoops {
  const outboxMs = periods.outboxMs ?? config.mail.outboxPollSeconds * 1000;
  const notifyMs = periods.notifyMs ?? config.mail.notify.runEveryMinutes * 60_000;
  const timers: NodeJS.Timeout[] = [];
  let running: Promise<void> = Promise.resolve();
  let busy = false;

  const round = (name: string, work: () => Promise<void>) => () => {
    if (busy) return;
    busy = true;
    running = work()
      .catch((err) => logger.error({ err }, `${name} failed`))
      .finally(() => {
        busy = false;
      });
  };

  const flush = async () => {
    const r = await services.mailOutbound.flush();
    if (r.sent || r.retried || r.failed) logger.info(r, 'outbox flushed');
  };

  if (services.mailOutbound.relayConfigured) {
    timers.push(setInterval(round('outbox', flush), outboxMs));
  } else {
    logger.warn('mail.relay.host is not set: outgoing mail stays in the outbox until a relay is configured');
  }
  if (notifyMs > 0) {
    timers.push(
      setInterval(
        round('notify', async () => {
          const r = await services.notifications.run();
          if (r.mails.length || r.suppressed.length)
            logger.info({ mails: r.mails.length, suppressed: r.suppressed.length }, 'notifications queued');
          if (r.mails.length && services.mailOutbound.relayConfigured) await flush();
        }),
        notifyMs,
      ),
    );
  }
  for (const t of timers) t.unref();
  return {
    async stop() {
      for (const t of timers) clearInterval(t);
      await running;
    },
  };
}
