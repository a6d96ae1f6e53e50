// Who is signed in. The token lives in this module's memory only: never localStorage, never sessionStorage, never a
// cookie; a reload signs out. With an identity provider, oidc-client-ts runs the authorization-code flow with PKCE;
// its user store is in memory too (only the PKCE state for the redirect round trip uses sessionStorage).
import { InMemoryWebStorage, UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { hasPermission } from '../../src/auth/permissions.ts';
import type { Permission } from '../../src/domain/principal.ts';

export interface PageConfig {
  devSignIn: boolean;
  oidc: { issuer: string; clientId: string } | null;
  maxUploadBytes: number;
  roles: string[];
  rolesClaim: string;
}

export interface Session {
  token: string;
  sub: string;
  /** Who to show as signed in: the token's name or preferred_username (an identity provider's sub is often opaque). */
  displayName: string;
  roles: string[];
  patients: string[] | null;
  via: 'dev' | 'oidc';
}

let current: Session | null = null;
let manager: UserManager | null = null;

export const session = (): Session | null => current;

export function can(perm: Permission): boolean {
  return current !== null && hasPermission({ sub: current.sub, roles: current.roles, patients: current.patients }, perm);
}

/** The claims, for display and for hiding controls; the service checks the signature on every request. */
function claimsOf(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

function fromToken(token: string, cfg: PageConfig, via: Session['via']): Session {
  const c = claimsOf(token);
  const roles = c[cfg.rolesClaim];
  return {
    token,
    via,
    sub: String(c.sub ?? 'unknown'),
    displayName: String(c.name ?? c.preferred_username ?? c.sub ?? 'unknown'),
    roles: Array.isArray(roles) ? roles.map(String) : typeof roles === 'string' ? roles.split(/[ ,]+/) : [],
    patients: Array.isArray(c.patients) ? c.patients.map(String) : null,
  };
}

export async function devSignIn(cfg: PageConfig, sub: string, role: string, patients: string[]): Promise<Session> {
  const res = await fetch('/v1/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub, role, ...(patients.length ? { patients } : {}) }),
  });
  const body = (await res.json()) as { token?: string; detail?: string; code?: string };
  if (!res.ok || !body.token) throw Object.assign(new Error(body.detail ?? `sign-in refused (${res.status})`), { code: body.code ?? 'forbidden' });
  current = fromToken(body.token, cfg, 'dev');
  return current;
}

function oidcManager(cfg: PageConfig): UserManager {
  if (manager) return manager;
  manager = new UserManager({
    authority: cfg.oidc!.issuer,
    client_id: cfg.oidc!.clientId,
    redirect_uri: `${location.origin}/`,
    post_logout_redirect_uri: `${location.origin}/`,
    response_type: 'code',
    scope: 'openid profile',
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    // renews the access token (with the refresh token) a minute before it expires; the page uses each new token at once
    automaticSilentRenew: true,
  });
  manager.events.addUserLoaded((user) => {
    if (current?.via === 'oidc' && user.access_token) current = fromToken(user.access_token, cfg, 'oidc');
  });
  manager.events.addSilentRenewError((e) => console.error('could not renew the sign-in', e));
  return manager;
}

export async function oidcSignIn(cfg: PageConfig): Promise<void> {
  await oidcManager(cfg).signinRedirect();
}

/** After the identity provider sends the browser back with ?code=…&state=…: exchange the code (PKCE) for tokens. */
export async function completeOidcSignIn(cfg: PageConfig): Promise<Session | null> {
  if (!cfg.oidc) return null;
  const q = new URLSearchParams(location.search);
  if (!q.has('code') || !q.has('state')) return null;
  const user = await oidcManager(cfg).signinCallback();
  history.replaceState(null, '', `${location.pathname}${location.hash}`);
  if (!user?.access_token) return null;
  current = fromToken(user.access_token, cfg, 'oidc');
  return current;
}

/**
 * Forgets the token. After an identity provider's sign-in it also ends the session at the provider (RP-initiated
 * logout, which brings the browser back to the page): otherwise, on a shared workstation, the next person to press
 * "Sign in with your organisation" would be signed in as this user without a password. Returns false when the
 * browser is on its way to the provider.
 */
export async function signOut(cfg: PageConfig): Promise<boolean> {
  const was = current;
  current = null;
  if (was?.via !== 'oidc' || !cfg.oidc) return true;
  const m = oidcManager(cfg);
  try {
    await m.signoutRedirect();
    return false;
  } catch (e) {
    // no end_session_endpoint, or the provider is unreachable: at least forget the user here
    console.error('sign-out at the identity provider failed', e);
    await m.removeUser();
    return true;
  }
}
