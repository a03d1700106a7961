import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body exactly as received, for signature verification. Set for JSON bodies. */
    rawBody?: Buffer;
    /** {@link FastifyRequest.rawBody} decoded (it is valid UTF-8), set when it parsed. */
    rawText?: string;
    /**
     * The source text of each number directly inside a JSON object body, by key (`"amount": 1500.10`
     * gives `amount -> "1500.10"`). Parsing to a double loses digits; this keeps what was sent.
     */
    bodyNumberText?: ReadonlyMap<string, string>;
  }
}

/**
 * Deepest nesting of objects and arrays accepted in a body. Real webhook payloads nest a handful of
 * levels; the limit keeps every recursive consumer of a stored payload (loggers, drivers, handlers)
 * far from its stack limit.
 */
export const MAX_JSON_DEPTH = 32;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const exactUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const EMPTY = /^\s*$/;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const isNumberChar = (c: number) =>
  (c >= ZERO && c <= NINE) || c === DOT || c === MINUS || c === PLUS || c === 0x65 || c === 0x45;

interface Container {
  /** Keys seen so far; null for an array. */
  keys: Set<string> | null;
  /** True between `{` or `,` and the next key in an object. */
  expectingKey: boolean;
  /** The last key read in this object (the one whose value comes next). */
  key: string;
  /** The key this container is the value of, in its parent object ('' for an array element or the top). */
  parentKey: string;
}

/** What {@link parseJsonBody} gives: the value, and what JSON.parse alone does not tell. */
export interface ParsedJsonBody {
  value: unknown;
  /** The source text of each number directly inside a top-level object, by key. */
  topLevelNumbers: Map<string, string>;
}

/**
 * Parses a JSON body after one pass over its text that refuses nesting deeper than
 * {@link MAX_JSON_DEPTH}, duplicate keys in an object, and keys that could pollute prototypes
 * (`__proto__`, and `prototype` inside `constructor`), and collects the source text of the top
 * level's numbers. Duplicate keys are refused because parsers disagree on which copy wins
 * (JSON.parse keeps the last, others the first), so a signed body could mean one amount to us and
 * another to whoever reads the stored payload. Malformed text that the pass lets through is left to
 * JSON.parse, which rejects it. Throws an {@link HttpError} (400).
 *
 * The pass runs on every webhook, so it avoids per-character regular expressions and decodes a key
 * with JSON.parse only when it contains an escape.
 */
export function parseJsonBody(text: string): ParsedJsonBody {
  const stack: Container[] = [];
  const topLevelNumbers = new Map<string, string>();
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    switch (c) {
      case 0x7b: // {
      case 0x5b: // [
        if (stack.length >= MAX_JSON_DEPTH) {
          throw new HttpError(400, `JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`);
        }
        stack.push({
          keys: c === 0x7b ? new Set() : null,
          expectingKey: c === 0x7b,
          key: '',
          parentKey: top?.keys ? top.key : '',
        });
        break;
      case 0x7d: // }
      case 0x5d: // ]
        stack.pop();
        break;
      case 0x2c: // ,
        if (top?.keys) top.expectingKey = true;
        break;
      case 0x3a: // :
        if (top) top.expectingKey = false;
        break;
      case QUOTE: {
        // The closing quote: the next one not escaped, i.e. not preceded by an odd run of
        // backslashes. indexOf skips the string's characters natively: the pass spent most of its
        // time walking string contents one character at a time (a provider's 1 KB event: 13 µs).
        let end = text.indexOf('"', i + 1);
        while (end !== -1 && text.charCodeAt(end - 1) === BACKSLASH) {
          let run = 1;
          while (text.charCodeAt(end - 1 - run) === BACKSLASH) run++;
          if (run % 2 === 0) break;
          end = text.indexOf('"', end + 1);
        }
        if (end === -1) end = length;
        if (top?.keys && top.expectingKey) {
          const backslash = text.indexOf('\\', i + 1);
          const escaped = backslash !== -1 && backslash < end;
          // Decoding the escapes makes "a" and "\u0061" the same key, as every parser sees them.
          const key = escaped ? (parseJson(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
          if (top.keys.has(key)) throw new HttpError(400, 'JSON body has a duplicate key');
          if (key === '__proto__' || (key === 'prototype' && top.parentKey === 'constructor')) {
            throw new HttpError(400, `JSON body has a forbidden key: ${key}`);
          }
          top.keys.add(key);
          top.key = key;
        }
        i = end;
        break;
      }
      default:
        if (
          stack.length === 1 &&
          top?.keys &&
          !top.expectingKey &&
          (c === MINUS || (c >= ZERO && c <= NINE))
        ) {
          let end = i + 1;
          while (end < length && isNumberChar(text.charCodeAt(end))) end++;
          topLevelNumbers.set(top.key, text.slice(i, end));
          i = end - 1;
        }
    }
  }
  return { value: parseJson(text), topLevelNumbers };
}

/** JSON.parse, answering 400 for malformed text. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Malformed JSON body');
  }
}

/**
 * The media type parameters that would make us misread the bytes: a charset other than UTF-8 (JSON
 * is UTF-8, RFC 8259, and decoding latin1 as UTF-8 would store something else than was signed).
 * Null when the body can be read as sent; otherwise the 415 message. `mediaType` is the type the
 * route accepts, and `what` names its bodies in the message.
 */
function unsupportedEncoding(request: FastifyRequest, mediaType: string, what: string): string | null {
  const contentType = request.headers['content-type'] ?? '';
  const encoding = request.headers['content-encoding'];
  // What nearly every sender sends; the parameter parsing below was a visible cost per webhook.
  if (contentType === mediaType && encoding === undefined) return null;
  for (const parameter of contentType.split(';').slice(1)) {
    const eq = parameter.indexOf('=');
    const name = parameter
      .slice(0, eq < 0 ? undefined : eq)
      .trim()
      .toLowerCase();
    const value =
      eq < 0
        ? ''
        : parameter
            .slice(eq + 1)
            .trim()
            .replace(/^"(.*)"$/, '$1')
            .toLowerCase();
    if (name === 'charset' && value !== 'utf-8' && value !== 'utf8') {
      return `Unsupported Media Type: ${what} must be sent as UTF-8`;
    }
  }
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return 'Unsupported Media Type: Content-Encoding is not supported';
  }
  return null;
}

/**
 * Makes `application/json` the only accepted body type (anything else, another charset or a
 * Content-Encoding: 415) and keeps the raw bytes next to the parsed body, because signatures are
 * computed over the bytes as sent, not over a re-serialisation. Invalid UTF-8, malformed JSON,
 * duplicate keys and nesting deeper than {@link MAX_JSON_DEPTH} answer 400; `__proto__` and
 * `constructor.prototype` keys are refused so that no parsed body can pollute prototypes. An empty
 * body is treated as absent.
 */
export function installJsonBodyParser(app: FastifyInstance, bodyLimit: number): void {
  // Declared up front so that every request object has these fields from its construction on,
  // instead of gaining them while its body is parsed.
  app.decorateRequest('rawBody', undefined);
  app.decorateRequest('rawText', undefined);
  app.decorateRequest('bodyNumberText', undefined);
  addBodyParser(app, 'application/json', bodyLimit, (request, raw) => {
    const decoded = decodeJsonBody(raw);
    // An empty body is no body: routes that need one answer 422 "Field required" like FastAPI.
    if (!decoded) return undefined;
    request.rawText = decoded.text;
    request.bodyNumberText = decoded.parsed.topLevelNumbers;
    return decoded.parsed.value;
  });
}

/**
 * Like {@link installJsonBodyParser}, in the context of `app` (a plugin's), but the parser only
 * keeps the bytes in `request.rawBody` and parses nothing: for routes that must check a signature
 * before they parse (the body is then undefined).
 */
export function installRawJsonBodyParser(app: FastifyInstance, bodyLimit: number): void {
  installRawBodyParser(app, 'application/json', bodyLimit);
}

/** What a raw body parser accepts: JSON, or a form as PayU and Paytm post them. */
export type RawBodyType = 'application/json' | 'application/x-www-form-urlencoded';

/**
 * Makes `mediaType` the only body type of `app`'s context (a plugin's, so other routes keep their
 * own) and keeps the bytes in `request.rawBody`, parsing nothing: for routes that must check a
 * signature before they parse. Another type, a charset other than UTF-8 or a Content-Encoding
 * answers 415; a body above `bodyLimit`, 413.
 */
export function installRawBodyParser(app: FastifyInstance, mediaType: RawBodyType, bodyLimit: number): void {
  addBodyParser(app, mediaType, bodyLimit, () => undefined);
}

const BODY_NAMES: Record<RawBodyType, string> = {
  'application/json': 'JSON',
  'application/x-www-form-urlencoded': 'forms',
};

/**
 * Makes `mediaType` the only body type of `app`'s context: another charset or a Content-Encoding
 * answers 415; otherwise the bytes are kept in `request.rawBody` and `parse` makes the body of
 * them (throwing an {@link HttpError} to refuse it).
 */
function addBodyParser(
  app: FastifyInstance,
  mediaType: RawBodyType,
  bodyLimit: number,
  parse: (request: FastifyRequest, raw: Buffer) => unknown,
): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(mediaType, { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    const unsupported = unsupportedEncoding(request, mediaType, BODY_NAMES[mediaType]);
    if (unsupported) {
      done(new HttpError(415, unsupported), undefined);
      return;
    }
    const raw = body as Buffer;
    request.rawBody = raw;
    let value: unknown;
    try {
      value = parse(request, raw);
    } catch (error) {
      done(error as HttpError, undefined);
      return;
    }
    done(null, value);
  });
}

/** `raw` decoded as UTF-8; undefined when empty or only whitespace. Throws an {@link HttpError} 400. */
function decodeText(raw: Buffer): string | undefined {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new HttpError(400, 'Request body is not valid UTF-8');
  }
  return EMPTY.test(text) ? undefined : text;
}

/** A JSON body's text and what {@link parseJsonBody} made of it. */
export interface DecodedJsonBody {
  text: string;
  parsed: ParsedJsonBody;
}

/**
 * Decodes `raw` as UTF-8 and parses it with {@link parseJsonBody}'s rules; undefined when the body
 * is empty or only whitespace. Throws an {@link HttpError} 400 for invalid UTF-8 or JSON that
 * `parseJsonBody` refuses.
 */
export function decodeJsonBody(raw: Buffer): DecodedJsonBody | undefined {
  const text = decodeText(raw);
  return text === undefined ? undefined : { text, parsed: parseJsonBody(text) };
}

/**
 * `raw` decoded as UTF-8, for bodies whose signature already verified (the provider parses the
 * text itself); undefined when the body is empty or only whitespace. A JSON body's leading
 * byte-order mark is dropped, as JSON parsers expect; a form's is kept, so that its stored text is
 * the bytes as sent. Throws an {@link HttpError} 400 for invalid UTF-8.
 */
export function decodeSignedBody(raw: Buffer, mediaType: RawBodyType): string | undefined {
  let text: string;
  try {
    text = (mediaType === 'application/json' ? utf8 : exactUtf8).decode(raw);
  } catch {
    throw new HttpError(400, 'Request body is not valid UTF-8');
  }
  return EMPTY.test(text) ? undefined : text;
}
