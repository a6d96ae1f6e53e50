// The home screen: find a patient by NHS number (checked as the API checks it, modulus 11). A user who may read the
// audit trail but no documents goes straight to the trail.
import { isValidNhsNumber, normaliseNhsNumber } from '../../../src/domain/nhs-number.ts';
import { can } from '../session.ts';
import { $, esc, showErrors } from '../ui/html.ts';
import { app, breadcrumbs, focusHeading, setTitle } from '../ui/layout.ts';
import { messageFor } from '../ui/messages.ts';

export function findPatientView(): void {
  setTitle('Find a patient');
  breadcrumbs([]);
  if (!can('document:read')) {
    if (can('audit:read')) {
      location.hash = '#/audit';
      return;
    }
    app().innerHTML = '<h1>No access</h1><p>Your role does not give access to documents or the audit trail.</p>';
    return focusHeading();
  }
  app().innerHTML = `
    <div class="nhsuk-grid-row"><div class="nhsuk-grid-column-two-thirds">
      <div id="errors"></div>
      <h1>Find a patient</h1>
      <form id="find" novalidate>
        <div class="nhsuk-form-group" id="nhs-group">
          <label class="nhsuk-label nhsuk-label--s" for="nhs">NHS number</label>
          <div class="nhsuk-hint" id="nhs-hint">A 10-digit number, like 943 476 5919</div>
          <div id="nhs-error"></div>
          <input class="nhsuk-input nhsuk-input--width-10" id="nhs" name="nhs" type="text" inputmode="numeric" autocomplete="off" spellcheck="false" aria-describedby="nhs-hint">
        </div>
        <button class="nhsuk-button" type="submit">Find documents</button>
      </form>
      ${can('audit:read') ? '<p><a href="#/audit">View the audit trail</a></p>' : ''}
    </div></div>`;
  focusHeading();
  $('#find').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const nhs = normaliseNhsNumber($<HTMLInputElement>('#nhs').value);
    if (!isValidNhsNumber(nhs)) {
      $('#nhs-group').classList.add('nhsuk-form-group--error');
      $('#nhs').classList.add('nhsuk-input--error');
      $('#nhs').setAttribute('aria-describedby', 'nhs-hint nhs-error-message');
      $('#nhs-error').innerHTML = `<span class="nhsuk-error-message" id="nhs-error-message"><span class="nhsuk-u-visually-hidden">Error:</span> ${esc(messageFor({ code: 'invalid_nhs_number' }))}</span>`;
      showErrors($('#errors'), [{ message: messageFor({ code: 'invalid_nhs_number' }), href: '#nhs' }]);
      return;
    }
    location.hash = `#/patients/${nhs}`;
  });
}
