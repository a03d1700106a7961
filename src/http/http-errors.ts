import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** One field error in a 422 answer, shaped like FastAPI's. */
export interface FieldError {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** An error that becomes an HTTP answer `{"detail": ...}` with its status code. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly detail: string | FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === 'string' ? detail : 'Validation failed');
    this.name = 'HttpError';
  }
}

/** A 422 for one field, in FastAPI's shape. */
export const fieldError = (loc: (string | number)[], msg: string, type: string) =>
  new HttpError(422, [{ loc, msg, type }]);

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

function toFieldError(context: string, error: AjvError): FieldError {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const loc = [context, ...path];
  switch (error.keyword) {
    case 'required':
      return { loc: [...loc, String(error.params.missingProperty)], msg: 'Field required', type: 'missing' };
    case 'type':
      return {
        loc,
        msg: `Input should be a valid ${String(error.params.type)}`,
        type: `${error.params.type}_type`,
      };
    case 'pattern':
      return {
        loc,
        msg: `String should match pattern '${String(error.params.pattern)}'`,
        type: 'string_pattern_mismatch',
      };
    case 'minLength':
      return {
        loc,
        msg: `String should have at least ${error.params.limit} characters`,
        type: 'string_too_short',
      };
    case 'maxLength':
      return {
        loc,
        msg: `String should have at most ${error.params.limit} characters`,
        type: 'string_too_long',
      };
    case 'exclusiveMinimum':
      return { loc, msg: `Input should be greater than ${error.params.limit}`, type: 'greater_than' };
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]).map((v) => `'${String(v)}'`);
      const list =
        allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}` : allowed[0];
      return { loc, msg: `Input should be ${list}`, type: 'enum' };
    }
    case 'additionalProperties':
      return {
        loc: [...loc, String(error.params.additionalProperty)],
        msg: 'Extra inputs are not permitted',
        type: 'extra_forbidden',
      };
    case 'minItems':
      return { loc, msg: `List should have at least ${error.params.limit} items`, type: 'too_short' };
    case 'maxItems':
      return { loc, msg: `List should have at most ${error.params.limit} items`, type: 'too_long' };
    case 'uniqueItems':
      return { loc, msg: 'List items should be unique', type: 'unique_items' };
    default:
      return { loc, msg: error.message ?? 'Invalid value', type: error.keyword };
  }
}

const FRAMEWORK_ERRORS: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Media Type: send application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body too large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_BAD_URL: 'Malformed URL',
  FST_ERR_MAX_PARAM_LENGTH: 'URL path segment too long',
};

/** FastAPI's names for where a validation error was found. */
const VALIDATION_CONTEXTS: Record<string, string> = {
  body: 'body',
  params: 'path',
  querystring: 'query',
  headers: 'header',
};

/** The `detail` of a 4xx error that is not an {@link HttpError}. */
function clientErrorDetail(error: FastifyError, status: number): string {
  const known = FRAMEWORK_ERRORS[error.code];
  if (known) return known;
  // Fastify's messages describe the request; anyone else's might describe our internals.
  if (typeof error.code === 'string' && error.code.startsWith('FST_')) return error.message;
  return STATUS_CODES[status] ?? 'Bad Request';
}

/**
 * Fastify's `frameworkErrors` option: errors the router raises before any route or hook runs (a
 * malformed percent-encoding, an over-long path parameter) answer in the one `{"detail": ...}` shape
 * instead of Fastify's own.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status = error.statusCode ?? 400;
  if (status >= 400 && status < 500) {
    void reply.code(status).send({ detail: clientErrorDetail(error, status) });
    return;
  }
  request.log.error({ err: error }, 'router failed');
  void reply.code(500).send({ detail: 'Internal Server Error' });
}

const CLIENT_ERRORS: Record<string, { status: number; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, detail: 'Request timeout' },
  HPE_HEADER_OVERFLOW: { status: 431, detail: 'Request line and headers too large' },
};

/**
 * Fastify's `clientErrorHandler` option: requests Node's HTTP parser rejects before Fastify sees them
 * (URL and headers over 16 KiB, malformed request lines, conflicting lengths) answer in the
 * `{"detail": ...}` shape too, then the connection is closed as Node does.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, detail } = CLIENT_ERRORS[error.code ?? ''] ?? { status: 400, detail: 'Bad Request' };
  const body = JSON.stringify({ detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Listener for the HTTP server's `checkExpectation` event: an `Expect` other than `100-continue`
 * answers 417 in the `{"detail": ...}` shape (Node's own answer has an empty body).
 */
export function expectationFailedHandler(_request: IncomingMessage, response: ServerResponse): void {
  const body = JSON.stringify({ detail: 'Expectation Failed: only Expect: 100-continue is supported' });
  response.writeHead(417, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  response.end(body);
}

/**
 * Installs the error and not-found handlers: every error answers `{"detail": ...}`; validation
 * errors answer 422 with FastAPI-shaped field errors; a 5xx never shows its cause.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: 'Not Found' }));
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      return reply.code(error.statusCode).headers(error.headers).send({ detail: error.detail });
    }
    if (error.validation) {
      const context = VALIDATION_CONTEXTS[error.validationContext ?? 'body'] ?? 'body';
      return reply
        .code(422)
        .send({ detail: error.validation.map((e) => toFieldError(context, e as AjvError)) });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ detail: clientErrorDetail(error, status) });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(status >= 500 && status < 600 ? status : 500).send({ detail: 'Internal Server Error' });
  });
}
