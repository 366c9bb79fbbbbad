/**
 * Error bodies exactly as Microsoft sends them: the identity platform's OAuth error JSON
 * (https://learn.microsoft.com/entra/identity-platform/reference-error-codes) and the Graph
 * error envelope (https://learn.microsoft.com/graph/errors).
 */
import { randomUUID } from 'node:crypto';

/** The identity platform's token-endpoint error JSON. */
export interface AadErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  suberror?: string;
}

/** "2019-09-19 08:55:37Z", the timestamp format of AADSTS errors. */
export function aadTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/**
 * Builds an AADSTS error: the description starts with `AADSTSnnnn:` and ends with the Trace ID,
 * Correlation ID and Timestamp lines, like Microsoft's.
 */
export function aadError(
  options: { error: string; code: number; message: string; suberror?: string; correlationId?: string; now: number; origin: string },
): AadErrorBody {
  const traceId = randomUUID();
  const correlationId = options.correlationId || randomUUID();
  const timestamp = aadTimestamp(options.now);
  const body: AadErrorBody = {
    error: options.error,
    error_description: `AADSTS${options.code}: ${options.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [options.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${options.origin}/error?code=${options.code}`,
  };
  if (options.suberror) body.suberror = options.suberror;
  return body;
}

/** The Graph error envelope. */
export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

/** Builds a Graph error body; `date` has no fraction and no zone, as Graph prints it. */
export function graphError(code: string, message: string, now: number, requestId: string, clientRequestId: string): GraphErrorBody {
  return {
    error: {
      code,
      message,
      innerError: {
        date: new Date(now).toISOString().replace(/\.\d+Z$/, ''),
        'request-id': requestId,
        'client-request-id': clientRequestId,
      },
    },
  };
}
