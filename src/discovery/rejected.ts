import type { RejectionReason } from './candidate.ts';

/** Thrown inside detection to reject one Service with a reason; detect() turns it into a Rejection. */
export class Rejected extends Error {
  readonly reason: RejectionReason;
  constructor(reason: RejectionReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Quotes a user-supplied value for a message, shortened so a 1 MB annotation cannot flood logs and Events. */
export function quote(value: string, max = 80): string {
  const shown = value.length > max ? `${value.slice(0, max)}…(${value.length} chars)` : value;
  return JSON.stringify(shown);
}
