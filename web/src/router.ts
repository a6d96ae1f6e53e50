// The page's addresses (the part after #) and the screen each draws: #/ find a patient, #/patients/{nhs} their
// documents, #/documents/{id} one document, #/audit the trail; signed out, every address draws the sign-in screen.
import { session } from './session.ts';
import { beginNavigation, revokeObjectUrls } from './state.ts';
import { renderAccount } from './views/account.ts';
import { auditTrailView } from './views/audit-trail.ts';
import { documentView } from './views/document.ts';
import { findPatientView } from './views/find-patient.ts';
import { patientDocumentsView } from './views/patient-documents.ts';
import { signInView } from './views/sign-in.ts';

/** Draws the screen for the current address: one navigation (see state.ts). */
export async function route(): Promise<void> {
  beginNavigation();
  revokeObjectUrls();
  renderAccount(route);
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const q = new URLSearchParams(query);
  const parts = (path || '/').split('/').filter(Boolean);
  if (!session()) return signInView(route);
  if (parts[0] === 'patients' && parts[1]) return patientDocumentsView(parts[1], q);
  if (parts[0] === 'documents' && parts[1]) return documentView(parts[1], q);
  if (parts[0] === 'audit') return auditTrailView(q);
  return findPatientView();
}
