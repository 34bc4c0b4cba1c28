import type { Config } from '../../config/config.ts';
import { DEFAULT_BRANCH_CODE } from '../../core/incidents/incident.ts';
import type { MailIntakeService, ProcessResult } from '../../services/mail-intake.service.ts';
import { startMailProcessor, type MailProcessor, type MailProcessorFactory } from './mail-processor.ts';
import { startSmtpListener, type ReportAddress, type SmtpListener } from './smtp-listener.ts';

/** The configured report addresses; none configured: report@<domain> → the national centre. */
export function reportAddressesOf(config: Config): ReportAddress[] {
  const configured = config.mail.addresses.map((a) => ({
    address: a.address.trim().toLowerCase(),
    branchCode: a.branchCode,
  }));
  return configured.length > 0
    ? configured
    : [{ address: `report@${config.mail.domain}`.toLowerCase(), branchCode: DEFAULT_BRANCH_CODE }];
}

/** What the runtime reports (pino fits). */
export interface IntakeLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RunningMailIntake {
  smtp: SmtpListener;
  processor: MailProcessor;
  close(): Promise<void>;
}

/** `certops serve` / `certops mail serve`: the SMTP listener and the processor it wakes. */
export async function startMailIntake(deps: {
  config: Config;
  mailIntake: MailIntakeService;
  logger: IntakeLogger;
  /** Overrides config.mail.smtp.port (tests: 0). */
  port?: number;
  /**
   * Where the processor runs (src/main: a worker thread with its own connection, so that
   * accepting and processing use two cores); default: in this thread, on `mailIntake`.
   */
  startProcessor?: MailProcessorFactory;
}): Promise<RunningMailIntake> {
  const { config, mailIntake, logger } = deps;
  const start: MailProcessorFactory =
    deps.startProcessor ?? ((options) => startMailProcessor({ ...options, mailIntake }));
  const processor = start({
    intervalSeconds: config.mail.processIntervalSeconds,
    onProcessed: (r: ProcessResult) =>
      logger.info(
        {
          mailMessageId: r.id,
          state: r.state,
          outcome: r.outcome,
          incidentId: r.incidentId,
          ack: r.ack,
          error: r.error || undefined,
        },
        'mail processed',
      ),
    onError: (err) => logger.error({ err }, 'mail processor: storage error, will retry'),
  });
  const addresses = reportAddressesOf(config);
  let smtp: SmtpListener;
  try {
    smtp = await startSmtpListener({
      host: config.mail.smtp.host,
      port: deps.port ?? config.mail.smtp.port,
      maxMessageBytes: config.mail.maxMessageBytes,
      maxRecipients: config.mail.maxRecipients,
      addresses,
      store: (envelope, raw) =>
        processor.store ? processor.store(envelope, raw) : mailIntake.receive(envelope, raw),
      onStored: () => processor.wake(),
      onError: (err, context) => logger.warn({ err, ...context }, 'smtp intake error'),
    });
  } catch (e) {
    await processor.stop();
    throw e;
  }
  logger.info(
    { host: smtp.host, port: smtp.port, addresses: addresses.map((a) => `${a.address}→${a.branchCode}`) },
    'smtp intake listening',
  );
  return {
    smtp,
    processor,
    async close() {
      await smtp.close();
      await processor.stop();
    },
  };
}
