import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { createApp } from '../http/app.ts';
import { composeServices, openMigratedDatabase } from './compose.ts';
import { bootstrap } from './bootstrap.ts';
import { startServePipeline } from './compose-pipeline.ts';
import { startMailLoops } from './mail-loops.ts';
import { startConfiguredMailIntake } from './mail-intake.ts';

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** `certops serve`: migrate, bootstrap, listen; SIGTERM/SIGINT finish requests and close the database. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const database = await openMigratedDatabase(config, logger);
  const services = composeServices(database, config);
  await bootstrap(services, config, logger);
  const pipelineLoop = startServePipeline(services, config, database.dialect, logger);
  const mailLoops = startMailLoops(services, config, logger);
  const mailIntake = await startConfiguredMailIntake(services, config, logger);
  const app = createApp({ config, services, logger });
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.http.host, port: config.http.port }, () =>
      resolve(s),
    );
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  logger.info({ host: config.http.host, port, dialect: database.dialect }, 'certops listening');
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      logger.info('shutting down: finishing requests');
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pipelineLoop?.stop();
      await mailIntake?.close();
      await mailLoops.stop();
      await database.close();
      logger.info('stopped');
    })());
  return { port, close };
}
