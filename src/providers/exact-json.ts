import { MalformedBodyError } from './webhook-provider.js';

/**
 * A JSON number as its source text (`170.50`, not the double 170.5): gateways that state amounts
 * in rupees as JSON decimals are read from the digits they sent.
 */
export class JsonNumberText {
  constructor(
    /** The number exactly as written in the body. */
    readonly text: string,
  ) {}
}

/**
 * JSON.parse, with every number replaced by its {@link JsonNumberText}: JSON.parse's reviver is
 * given each primitive's source text (`context.source`, Node.js 22 and later), so nothing is read
 * through a double. Throws {@link MalformedBodyError} for malformed JSON.
 */
export function parseJsonKeepingNumberText(text: string): unknown {
  try {
    return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
      if (typeof value !== 'number') return value;
      // Present on every supported Node.js; without it a number would be read through a double.
      if (context?.source === undefined) throw new Error('JSON.parse gives no number source text');
      return new JsonNumberText(context.source);
    }) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError) throw new MalformedBodyError('Malformed JSON body');
    throw error;
  }
}
