// The IHE MHD client built on HAPI FHIR's own client library (test-servers/mhd-client/): its jar, and one run of it.
//
//   const report = await runMhdClient({ recipient: `${s.baseUrl}/fhir`, token, patient });
//
// The jar is built once by test-servers/mhd-client/build.sh (`.ci/servers` runs it; here it is built on first use
// when this source tree has not been built yet: about 20 s with ~/.m2 warm) and cached like the HAPI server.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BUILD = fileURLToPath(new URL('../../test-servers/mhd-client/build.sh', import.meta.url));

export function mhdClientJar(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(BUILD, [], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const jar = stdout.trim().split('\n').pop() ?? '';
      if (err || !jar.endsWith('.jar')) reject(new Error(`${BUILD} failed: ${err?.message ?? ''}\n${stderr.trim()}`));
      else resolve(jar);
    });
  });
}

export interface MhdClientReport {
  statuses: string[];
  list: string;
  documents: string[];
  sha256: string[];
  refusal: { status: number; code: string; expression: string };
  iti67: number;
  iti66: string;
  iti68: string[];
}

/** Runs the client; resolves with its report, rejects with its stderr when a check of its own failed. */
export async function runMhdClient(o: { recipient: string; token: string; patient: string; responder?: string }): Promise<MhdClientReport> {
  const jar = await mhdClientJar();
  const args = ['-XX:TieredStopAtLevel=1', '-jar', jar, o.recipient, o.patient, ...(o.responder ? [o.responder] : [])];
  return new Promise((resolve, reject) => {
    execFile('java', args, { encoding: 'utf8', timeout: 240_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, QUILL_TOKEN: o.token } }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`the MHD client failed (${err.message}):\n${stderr.trim()}\n${stdout.trim()}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as MhdClientReport);
    });
  });
}
