/** electron-log for the main process (file + console); the engine's output goes through it too. */
import log from 'electron-log/main';
import path from 'node:path';
import type { HostLogger } from '../host/log';
import { envFlag } from '../env';

export function setupLogging(): { log: HostLogger; logFile: () => string; logDir: () => string } {
  // Main-process logs stay in the main process: no copies pushed to windows over IPC.
  if (log.transports.ipc) log.transports.ipc.level = false;
  log.transports.file.level = 'info';
  log.transports.file.maxSize = 5 * 1024 * 1024;
  log.transports.console.level = envFlag('LATENT_LAB_DEBUG') ? 'debug' : 'info';
  log.errorHandler.startCatching({ showDialog: false });
  const logFile = (): string => log.transports.file.getFile().path;
  return {
    log: { info: (...a) => log.info(...a), warn: (...a) => log.warn(...a), error: (...a) => log.error(...a) },
    logFile,
    logDir: () => path.dirname(logFile()),
  };
}
