import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { HttpError } from './http-errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body exactly as received, for signature verification. Set for JSON bodies. */
    rawBody?: Buffer;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Makes `application/json` the only accepted body type (anything else: 415) and keeps the raw
 * bytes next to the parsed body, because signatures are computed over the bytes as sent, not over
 * a re-serialisation. Invalid UTF-8 or JSON answers 400, an empty body is treated as absent; `__proto__` and `constructor.prototype`
 * keys are refused so that no parsed body can pollute prototypes.
 */
export function installJsonBodyParser(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    let text: string;
    try {
      text = utf8.decode(raw);
    } catch {
      done(new HttpError(400, 'Request body is not valid UTF-8'), undefined);
      return;
    }
    // An empty body is no body: routes that need one answer 422 "Field required" like FastAPI.
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch {
      done(new HttpError(400, 'Malformed JSON body'), undefined);
    }
  });
}
