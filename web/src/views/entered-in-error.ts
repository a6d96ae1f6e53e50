// Mark a document as entered in error, with a reason (records managers, while it is current): it stays in the
// record, hidden from normal views.
import { client } from '../state.ts';
import { $, showErrors } from '../ui/html.ts';
import { messageFor } from '../ui/messages.ts';

export function enteredInErrorForm(): string {
  return `<h2 id="eie-heading">Mark as entered in error</h2>
  <p>Use this when the document was filed against the wrong patient or is not a real record. It stays in the record, hidden from normal views, with your reason.</p>
  <div id="eie-errors"></div>
  <form id="eie" novalidate aria-labelledby="eie-heading">
    <div class="nhsuk-form-group" id="reason-group"><label class="nhsuk-label" for="reason">Reason</label>
    <textarea class="nhsuk-textarea" id="reason" name="reason" rows="3" maxlength="2000"></textarea></div>
    <button class="nhsuk-button nhsuk-button--warning" type="submit">Mark as entered in error</button>
  </form>`;
}

/** `onMarked` redraws the document, now entered in error. */
export function wireEnteredInError(id: string, onMarked: () => Promise<void>): void {
  document.getElementById('eie')?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const reason = $<HTMLTextAreaElement>('#reason').value.trim();
    if (reason.length < 3) return showErrors($('#eie-errors'), [{ message: 'Enter the reason (at least 3 characters)', href: '#reason' }]);
    try {
      await client.enterInError(id, reason);
      await onMarked();
    } catch (e) {
      showErrors($('#eie-errors'), [{ message: messageFor(e), href: '#reason' }]);
    }
  });
}
