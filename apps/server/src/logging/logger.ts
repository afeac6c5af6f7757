import { type Logger, type LoggerOptions, pino } from 'pino';

/**
 * Fields that must never reach a log, wherever they appear: bearer tokens, key envelopes and
 * national identity numbers (fødselsnummer / personnummer). Paths are pino redact paths;
 * `*.x` covers one level of nesting, which is where request objects put them.
 */
export const redactedPaths = [
  'token',
  'accessToken',
  'idToken',
  'authorization',
  'envelope',
  'envelopes',
  'sealed',
  'nationalId',
  'pid',
  'resumeToken',
  'credential',
  'secret',
  '*.token',
  '*.accessToken',
  '*.idToken',
  '*.authorization',
  '*.envelope',
  '*.envelopes',
  '*.sealed',
  '*.nationalId',
  '*.pid',
  '*.resumeToken',
  '*.credential',
  '*.secret',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
  'req.query.token',
];

export function createLogger(
  level: LoggerOptions['level'],
  destination?: NodeJS.WritableStream,
): Logger {
  const options: LoggerOptions = {
    level: level ?? 'info',
    base: { service: 'skjerm' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    // Request URLs may carry a token in the query (WebSocket upgrades from browsers).
    serializers: {
      req: (req: { method?: string; url?: string; id?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url?.replace(/([?&](?:token|access_token|id_token)=)[^&]*/g, '$1[redacted]'),
      }),
    },
  };
  return destination
    ? pino(options, destination as unknown as pino.DestinationStream)
    : pino(options);
}
