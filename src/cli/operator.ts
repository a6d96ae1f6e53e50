import { userInfo } from 'node:os';
import type { Command } from '../bootstrap.ts';
import type { RequestContext } from '../domain/principal.ts';

/** The login name of whoever runs the command (the uid where the system has no name for it). */
function loginName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

/**
 * A command acting as the operator who runs it, with the database's own credentials: audited as
 * `operator:<login name>`. `roles` is what the use case requires of its caller (an operator may do what the command
 * does; the audit row records the roles it acted with).
 */
export function operatorContext(cmd: Command, roles: string[]): RequestContext {
  return { ...cmd.ctx, principal: { sub: `operator:${loginName()}`, roles, patients: null } };
}
