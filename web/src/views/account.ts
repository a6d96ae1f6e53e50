// The header's account area: who is signed in (name, roles, patients) and the sign-out button.
import { session, signOut } from '../session.ts';
import { cfg } from '../state.ts';
import { spacedNhs } from '../ui/format.ts';
import { $, esc } from '../ui/html.ts';

/** The user's roles this service knows (an identity provider adds its own, such as Keycloak's offline_access). */
function knownRoles(roles: string[]): string {
  const known = roles.filter((r) => cfg.roles.includes(r));
  return known.length ? known.join(', ') : 'no role in this service';
}

/** `reroute` draws the screen for the current address (the sign-in screen, once signed out). */
export function renderAccount(reroute: () => Promise<void>): void {
  const s = session();
  $('#account').innerHTML = s
    ? `<ul class="nhsuk-header__account-list">
        <li class="nhsuk-header__account-item">Signed in as <strong>${esc(s.displayName)}</strong> (${esc(knownRoles(s.roles))}${s.patients ? `; patients ${esc(s.patients.map(spacedNhs).join(', '))}` : ''})</li>
        <li class="nhsuk-header__account-item"><button class="nhsuk-header__account-button" id="sign-out" type="button">Sign out</button></li>
      </ul>`
    : '';
  document.getElementById('sign-out')?.addEventListener('click', async () => {
    if (!(await signOut(cfg))) return; // the identity provider ends its session, then sends the browser back here
    location.hash = '#/sign-in';
    void reroute();
  });
}
