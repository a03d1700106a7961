import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Owners created by this process that are still running; a lease of theirs is never expired early. */
const liveOwners = new Set<string>();

/**
 * A new lease owner id `<host>/<pid>/<random>`. The host and pid let a worker on the same host tell
 * that the owner of a lease has died (and reclaim at once instead of waiting for the lease to run
 * out); the random part tells two lives of the same pid apart (pid 1 in a restarted container).
 */
export function newLeaseOwner(): string {
  const owner = `${hostname()}/${process.pid}/${randomBytes(6).toString('hex')}`;
  liveOwners.add(owner);
  return owner;
}

/** Marks an owner of this process as finished: its leases are all released. */
export function retireLeaseOwner(owner: string): void {
  liveOwners.delete(owner);
}

/**
 * True only when `owner` certainly ran on this host and its process is gone. An owner from another
 * host, or one whose pid answers, is not known dead: its lease runs out in due time instead.
 */
export function isKnownDead(owner: string): boolean {
  if (liveOwners.has(owner)) return false;
  const parts = owner.split('/');
  if (parts.length !== 3 || parts[0] !== hostname()) return false;
  const pid = Number(parts[1]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  // Same pid, unknown token: an earlier life of this very process (containers reuse pid 1).
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
