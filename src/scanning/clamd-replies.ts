import type { ScannerIdentity, ScanVerdict } from '../domain/ports.ts';

/**
 * clamd's answers, read strictly: anything that is not one of the answers documented in clamd(8) is garbage, and a
 * garbage answer is never taken as clean. Hand-written because the protocol is four reply lines; the npm clamd
 * clients either buffer whole files or read any unknown answer as "not infected".
 */

/** The answer to INSTREAM, without its NUL terminator. */
export function parseInstreamReply(reply: string, id: ScannerIdentity): ScanVerdict {
  const text = reply.replace(/\0+$/, '').trim();
  if (text === 'stream: OK') return { result: 'clean', ...id };
  const found = /^stream: (\S(?:.*\S)?) FOUND$/.exec(text);
  if (found && !/[\0\r\n]/.test(found[1]!)) return { result: 'infected', signature: found[1]!, ...id };
  if (/^INSTREAM size limit exceeded\.? ERROR$/.test(text)) return { result: 'too-large', reason: 'the file is larger than clamd scans (its StreamMaxLength)' };
  const error = /^(?:stream: )?(.*) ERROR$/.exec(text);
  if (error) return { result: 'unavailable', reason: `clamd could not scan the stream: ${printable(error[1]!)}` };
  return { result: 'unavailable', reason: `clamd answered something that is not a verdict: ${JSON.stringify(printable(text))}` };
}

/** The answer to VERSION: "ClamAV 1.4.6/27400/Mon Dec  7 08:00:00 2026", or "ClamAV 1.4.6" with a private database. */
export function parseVersionReply(reply: string): ScannerIdentity {
  const text = reply.replace(/\0+$/, '').trim();
  const m = /^(ClamAV [0-9][\w.+~-]*)(?:\/(\d+\/.+))?$/.exec(text);
  if (!m) throw new Error(`clamd answered VERSION with something that is not a version: ${JSON.stringify(printable(text))}`);
  return { scanner: m[1]!, signatureVersion: m[2] ?? null };
}

const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
