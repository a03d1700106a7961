import type { FastifyError, FastifyInstance } from 'fastify';

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
    default:
      return { loc, msg: error.message ?? 'Invalid value', type: error.keyword };
  }
}

const FRAMEWORK_ERRORS: Record<string, (error: FastifyError) => string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => 'Unsupported Media Type: send application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: () => 'Request body too large',
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'Request body is empty',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => 'Content-Length does not match the body',
};

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
      const context = error.validationContext === 'params' ? 'path' : (error.validationContext ?? 'body');
      return reply
        .code(422)
        .send({ detail: error.validation.map((e) => toFieldError(context, e as AjvError)) });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const message = FRAMEWORK_ERRORS[error.code]?.(error) ?? error.message;
      return reply.code(status).send({ detail: message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(status >= 500 && status < 600 ? status : 500).send({ detail: 'Internal Server Error' });
  });
}
