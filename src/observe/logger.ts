import winston from 'winston';

export type Logger = winston.Logger;

export const LOG_FORMATS = ['json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * The one way a log line names a Kubernetes object, whatever it is about: `{kind, object: "namespace/name"}`, so a
 * query for one Service finds its rejection, its Events and its health changes alike.
 */
export function objectRef(kind: string, namespace: string | undefined, name: string): { kind: string; object: string } {
  return { kind, object: namespace ? `${namespace}/${name}` : name };
}

/**
 * JSON lines (one object per line, stable field names: level, message, time, plus context) in production;
 * readable single lines (`text`) when writing to a terminal, or when asked for.
 */
export function createLogger(options: { level?: string; format?: LogFormat; pretty?: boolean; silent?: boolean } = {}): Logger {
  const pretty = options.format !== undefined ? options.format === 'text' : options.pretty ?? process.stderr.isTTY;
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    format: pretty
      ? winston.format.combine(
          winston.format.timestamp(),
          winston.format.printf(({ level, message, timestamp, ...rest }) => {
            const context = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
            return `${String(timestamp)} ${level.padEnd(5)} ${String(message)}${context}`;
          }),
        )
      : winston.format.combine(winston.format.timestamp({ alias: 'time' }), winston.format((info) => {
          delete info.timestamp;
          return info;
        })(), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug', 'verbose', 'silly'] })],
  });
}
