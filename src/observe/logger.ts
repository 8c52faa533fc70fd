import winston from 'winston';

export type Logger = winston.Logger;

/**
 * JSON lines (one object per line, stable field names: level, message, time, plus context) in production;
 * readable single lines when writing to a terminal.
 */
export function createLogger(options: { level?: string; pretty?: boolean; silent?: boolean } = {}): Logger {
  const pretty = options.pretty ?? process.stderr.isTTY;
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    format: pretty
      ? winston.format.combine(
          winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
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
