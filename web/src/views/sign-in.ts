// The sign-in screen: with the organisation's identity provider (OIDC), or the development sign-in (any user and
// role) while the embedded development secret signs tokens.
import { isValidNhsNumber, normaliseNhsNumber } from '../../../src/domain/nhs-number.ts';
import { devSignIn, oidcSignIn } from '../session.ts';
import { cfg } from '../state.ts';
import { $, esc, insetText, showErrors } from '../ui/html.ts';
import { app, breadcrumbs, focusHeading, setTitle } from '../ui/layout.ts';
import { messageFor } from '../ui/messages.ts';

/** `reroute` draws the screen for the current address, once signed in. */
export function signInView(reroute: () => Promise<void>): void {
  setTitle('Sign in');
  breadcrumbs([]);
  const roleLabels: Record<string, string> = { clinician: 'Clinician', 'records-manager': 'Records manager', auditor: 'Auditor', admin: 'Administrator' };
  app().innerHTML = `
    <div class="nhsuk-grid-row"><div class="nhsuk-grid-column-two-thirds">
      <div id="errors"></div>
      <h1>Sign in</h1>
      ${cfg.oidc ? `<p>Sign in with your organisation’s account.</p><button class="nhsuk-button" id="oidc-sign-in" type="button">Sign in with your organisation</button>` : ''}
      ${cfg.devSignIn
        ? `${insetText('<p>Development sign-in: this service uses its built-in development key, so you can sign in as any user and role. It is switched off when an identity provider is configured.</p>')}
      <form id="dev-sign-in" novalidate>
        <div class="nhsuk-form-group" id="sub-group">
          <label class="nhsuk-label" for="sub">User name</label>
          <input class="nhsuk-input nhsuk-input--width-20" id="sub" name="sub" type="text" autocomplete="username" spellcheck="false" value="dr.jones">
        </div>
        <div class="nhsuk-form-group">
          <fieldset class="nhsuk-fieldset">
            <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Role</legend>
            <div class="nhsuk-radios">
              ${cfg.roles
                .map(
                  (r, i) => `<div class="nhsuk-radios__item"><input class="nhsuk-radios__input" id="role-${esc(r)}" name="role" type="radio" value="${esc(r)}"${i === 0 ? ' checked' : ''}>
                  <label class="nhsuk-label nhsuk-radios__label" for="role-${esc(r)}">${esc(roleLabels[r] ?? r)}</label></div>`,
                )
                .join('')}
            </div>
          </fieldset>
        </div>
        <div class="nhsuk-form-group" id="patients-group">
          <label class="nhsuk-label" for="patients">Limit to these patients (optional)</label>
          <div class="nhsuk-hint" id="patients-hint">NHS numbers separated by commas. Leave empty for every patient.</div>
          <input class="nhsuk-input" id="patients" name="patients" type="text" inputmode="numeric" aria-describedby="patients-hint">
        </div>
        <button class="nhsuk-button" type="submit">Sign in</button>
      </form>`
        : ''}
      ${!cfg.oidc && !cfg.devSignIn ? '<p>Sign-in is not configured. Set QUILL_OIDC_ISSUER and QUILL_OIDC_CLIENT_ID.</p>' : ''}
    </div></div>`;
  focusHeading();
  document.getElementById('oidc-sign-in')?.addEventListener('click', () => void oidcSignIn(cfg));
  document.getElementById('dev-sign-in')?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = ev.target as HTMLFormElement;
    const sub = (f.elements.namedItem('sub') as HTMLInputElement).value.trim();
    const role = (f.querySelector('input[name=role]:checked') as HTMLInputElement | null)?.value ?? '';
    const patients = (f.elements.namedItem('patients') as HTMLInputElement).value.split(',').map((p) => normaliseNhsNumber(p.trim())).filter(Boolean);
    const errors: { message: string; href: string }[] = [];
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(sub)) errors.push({ message: 'Enter a user name (letters, numbers, dots, dashes)', href: '#sub' });
    const bad = patients.find((p) => !isValidNhsNumber(p));
    if (bad) errors.push({ message: `${bad} is not a valid NHS number`, href: '#patients' });
    if (errors.length) return showErrors($('#errors'), errors);
    try {
      await devSignIn(cfg, sub, role, patients);
      // a changed hash routes through its hashchange event; route here only when it would not fire
      if (location.hash === '#/') await reroute();
      else location.hash = '#/';
    } catch (e) {
      showErrors($('#errors'), [{ message: messageFor(e) }]);
    }
  });
}
