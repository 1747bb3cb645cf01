import pino from 'pino';

export type Logger = pino.Logger;

/** A file descriptor (written synchronously) or a stream. */
export type LogDestination = number | pino.DestinationStream;

/**
 * Structured logs on stderr: in local mode stdout belongs to the MCP protocol. Anything that could
 * hold a secret is redacted by key name, wherever it sits in the logged object. (A stream instead
 * of a file descriptor: for a server built inside a test process.)
 */
export function createLogger(level: string, destination: LogDestination = 2): Logger {
  return pino(
    {
      name: 'mcp-pa',
      level,
      redact: {
        paths: [
          'key',
          '*.key',
          'encryption_key',
          '*.encryption_key',
          'password',
          '*.password',
          'token',
          '*.token',
          'authorization',
          '*.authorization',
          'connection_string',
          '*.connection_string',
          'api_key',
          '*.api_key',
          'content_base64',
          '*.content_base64',
        ],
        censor: '[redacted]',
      },
    },
    typeof destination === 'number' ? pino.destination({ dest: destination, sync: true }) : destination,
  );
}
