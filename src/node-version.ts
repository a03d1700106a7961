/**
 * The oldest Node.js release the service runs on. better-sqlite3 13 is a Node-API 10 addon, which
 * Node.js loads from 22.14.0 on; no 20.x release has Node-API 10, and loading the addon there ends
 * the process with a segmentation fault rather than an error.
 */
export const MINIMUM_NODE_VERSION = '22.14.0';

const parts = (version: string) => version.replace(/^v/, '').split('.').map(Number);

/**
 * Null when `version` (default: this process's) is supported; otherwise a one-line message saying
 * what is needed. Checked before anything loads the SQLite addon.
 */
export function unsupportedNodeVersion(version: string = process.versions.node): string | null {
  const have = parts(version);
  const need = parts(MINIMUM_NODE_VERSION);
  for (let i = 0; i < need.length; i++) {
    const a = have[i] ?? 0;
    const b = need[i]!;
    if (a > b) return null;
    if (a < b) {
      return `Node.js ${MINIMUM_NODE_VERSION} or later is required (22 LTS or 24 LTS); this is ${version.replace(/^v/, '')}`;
    }
  }
  return null;
}
