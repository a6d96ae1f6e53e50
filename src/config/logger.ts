import pino, { type Logger } from 'pino';

/** JSON logs to stdout (the service), or to another fd (2 for CLI commands whose stdout is their report). */
export function createLogger(level: string, fd = 1): Logger {
  return pino({
    level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.secret', '*.token'], censor: '[redacted]' },
    serializers: {
      // Never log query strings: signed URLs carry their signature there.
      req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: req.url.split('?')[0], id: req.id }),
    },
  }, fd === 1 ? undefined : pino.destination({ fd, sync: true }));
}
