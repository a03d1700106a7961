/**
 * The parts of PayU's and Paytm's Node.js libraries the tests use to sign deliveries (the packages
 * ship no type definitions). Their source is in node_modules: payu-websdk's `utils/hasher.js`,
 * paytmchecksum's `PaytmChecksum.js`.
 */
declare module 'payu-websdk' {
  export default class Payu {
    constructor(credentials: { key: string; salt: string }, env?: 'TEST' | 'PROD', config?: object);
    hasher: {
      /** PayU's reverse hash of a response's fields. */
      generateResponseHash(params: Record<string, string>): string;
      /** Whether `params.hash` is that hash (compared with `==`). */
      validateResponseHash(params: Record<string, string>): boolean;
    };
  }
}

declare module 'paytmchecksum' {
  const PaytmChecksum: {
    /** The CHECKSUMHASH of `params` (every field but CHECKSUMHASH) with a merchant key, salted at random. */
    generateSignature(params: Record<string, string> | string, key: string): Promise<string>;
    /** Whether `checksum` is a CHECKSUMHASH of `params` with `key`. */
    verifySignature(params: Record<string, string> | string, key: string, checksum: string): boolean;
    /** The text a checksum covers: the values of the sorted field names, joined with `|`. */
    getStringByParams(params: Record<string, string>): string;
    /** The CHECKSUMHASH of that text with `key` and a given 4-character salt (synchronous). */
    calculateChecksum(params: string, key: string, salt: string): string;
  };
  export default PaytmChecksum;
}
