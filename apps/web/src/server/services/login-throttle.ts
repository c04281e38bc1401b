// Brute-force brakes for console sign-in that do not need the database: failures per client IP,
// and failures per unknown email (so that a locked-out message does not tell an attacker which
// accounts exist). Known accounts are locked in the database (console_users.locked_until).
//
// In memory: right for the single console process `cascade start` runs. Several console
// processes behind a balancer would each keep their own counts (an attacker gets N times the
// budget per IP); the per-account lockout is in PostgreSQL and holds across them.

export const LOCKOUT = {
  /** Consecutive failures that lock an account (or an unknown email). */
  threshold: 5,
  /** The first lock; each further failure doubles it, up to maxMs. */
  baseMs: 30_000,
  maxMs: 15 * 60_000,
} as const;

export const IP_LIMIT = {
  /** Failed attempts one client IP may make per window, over all emails. */
  failures: 30,
  windowMs: 15 * 60_000,
} as const;

/** How long the n-th consecutive failure locks for (0 below the threshold). */
export function lockoutMs(consecutiveFailures: number): number {
  if (consecutiveFailures < LOCKOUT.threshold) return 0;
  const doublings = Math.min(consecutiveFailures - LOCKOUT.threshold, 30);
  return Math.min(LOCKOUT.baseMs * 2 ** doublings, LOCKOUT.maxMs);
}

type Entry = { failures: number; until: number };

/** A bounded map: the oldest entries go first when it is full, so a flood of emails cannot grow memory. */
class BoundedCounts {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly capacity: number) {}
  get(key: string): Entry | undefined {
    return this.entries.get(key);
  }
  set(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
  clear(): void {
    this.entries.clear();
  }
}

export class LoginThrottle {
  private readonly ips = new BoundedCounts(10_000);
  private readonly unknownEmails = new BoundedCounts(10_000);

  /** Milliseconds this IP must wait, or 0. */
  ipBlockedFor(ip: string, now: number): number {
    const entry = this.ips.get(ip);
    if (!entry || entry.until <= now) return 0;
    return entry.failures >= IP_LIMIT.failures ? entry.until - now : 0;
  }

  recordIpFailure(ip: string, now: number): void {
    const entry = this.ips.get(ip);
    // `until` is the end of the window the failures count in.
    if (!entry || entry.until <= now) this.ips.set(ip, { failures: 1, until: now + IP_LIMIT.windowMs });
    else this.ips.set(ip, { failures: entry.failures + 1, until: entry.until });
  }

  /** Milliseconds an unknown email stays locked, or 0 — the same schedule as a real account. */
  unknownEmailLockedFor(email: string, now: number): number {
    const entry = this.unknownEmails.get(email);
    return entry && entry.until > now ? entry.until - now : 0;
  }

  recordUnknownEmailFailure(email: string, now: number): void {
    const failures = (this.unknownEmails.get(email)?.failures ?? 0) + 1;
    const lock = lockoutMs(failures);
    this.unknownEmails.set(email, { failures, until: lock > 0 ? now + lock : 0 });
  }

  reset(): void {
    this.ips.clear();
    this.unknownEmails.clear();
  }
}

/** The console process's throttle. */
export const loginThrottle = new LoginThrottle();
