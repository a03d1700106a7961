import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Builds a preHandler that admits requests carrying `Authorization: Bearer <key>` for one of `keys`.
 * Keys are compared as SHA-256 digests with `timingSafeEqual`, so neither the key's content nor its
 * length leaks through timing. With no keys configured it admits everything (the service warns at
 * start).
 */
export function requireApiKey(keys: readonly string[]) {
  const digests = keys.map(digest);
  return async function checkApiKey(request: FastifyRequest): Promise<void> {
    if (digests.length === 0) return;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (match) {
      const offered = digest(match[1]!);
      let ok = false;
      // Compare against every key, without stopping early, to keep the time independent of which matched.
      for (const d of digests) ok = timingSafeEqual(d, offered) || ok;
      if (ok) return;
    }
    throw new HttpError(401, 'Missing or invalid API key', { 'www-authenticate': 'Bearer' });
  };
}
