/**
 * The log of the local plugins (Kafka triggers, gateway): one human-readable line each, through
 * the Serverless Framework's log, at the level `LOG_LEVEL` selects (INFO by default, as the
 * functions). DEBUG lines are printed as notices when `LOG_LEVEL=DEBUG`: the framework's own
 * debug output needs `--debug` and would bring every other plugin's too.
 */
import type { KafkaLogSink } from '../kafka/log';

/** The part of the Serverless Framework's plugin `utils.log` used here. */
export interface FrameworkLog {
  notice?: (text: string) => void;
  warning?: (text: string) => void;
  error?: (text: string) => void;
}

export interface PluginLog {
  readonly debugEnabled: boolean;
  debug(line: string): void;
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

/** Whether `LOG_LEVEL` asks for DEBUG lines. */
export function debugLogging(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.LOG_LEVEL ?? '').toUpperCase() === 'DEBUG';
}

export function pluginLog(prefix: string, framework: FrameworkLog = {}, env: NodeJS.ProcessEnv = process.env): PluginLog {
  const debugEnabled = debugLogging(env);
  const write = (print: ((text: string) => void) | undefined, line: string) => {
    const text = `${prefix} ${line}`;
    if (print) print(text);
    else process.stderr.write(`${text}\n`);
  };
  return {
    debugEnabled,
    debug: (line) => {
      if (debugEnabled) write(framework.notice, line);
    },
    info: (line) => write(framework.notice, line),
    warn: (line) => write(framework.warning, line),
    error: (line) => write(framework.error, line),
  };
}

/** kafkajs's lines (lib/kafka/log.ts) as one line each in a plugin's log. */
export function kafkaLogOf(log: PluginLog): KafkaLogSink {
  return {
    debugEnabled: log.debugEnabled,
    write: (level, message, attributes) => {
      const { logger: _logger, clientId: _clientId, ...rest } = attributes;
      const details = Object.entries(rest)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(', ');
      log[level](`kafkajs ${message}${details ? ` (${details})` : ''}`);
    },
  };
}
