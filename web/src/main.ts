// The clinician's page: sign in, find a patient, list and filter their documents, upload (resumable, SHA-256 computed
// here and checked by the service), open a document with its SHA-256 verified, versions, entered-in-error, audit trail.
// Every call goes through the typed client in client/. Controls a role cannot use are never rendered.
// This module starts the page: its settings, the client, a sign-in coming back from the identity provider, the router.
import './styles/nhsuk.scss';
import './styles/page.css';
import { QuillClient } from '../../client/src/index.ts';
import { ensureValueSet } from './document-types.ts';
import { route } from './router.ts';
import { completeOidcSignIn, session, type PageConfig } from './session.ts';
import { setUp } from './state.ts';

async function start(): Promise<void> {
  const cfg = (await (await fetch('/ui/config.json')).json()) as PageConfig;
  setUp(cfg, new QuillClient({ baseUrl: location.origin, token: () => session()?.token ?? '' }));
  try {
    await completeOidcSignIn(cfg);
  } catch (e) {
    console.error('sign-in failed', e);
  }
  window.addEventListener('hashchange', () => void route());
  // the value set is needed by every documents screen; fetch it once after sign-in
  window.addEventListener('hashchange', () => void ensureValueSet());
  await ensureValueSet();
  await route();
}

void start();
