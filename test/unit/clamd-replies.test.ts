// clamd's answers read strictly (src/scanning/clamd-replies.ts): only the documented replies count, anything else is
// garbage and never clean; QUILL_CLAMD_URL's two forms; rescan --since.
import { describe, expect, it } from 'vitest';
import { parseClamdUrl } from '../../src/scanning/clamd-address.ts';
import { parseInstreamReply, parseVersionReply } from '../../src/scanning/clamd-replies.ts';
import { parseSince } from '../../src/cli/commands/rescan.ts';

const id = { scanner: 'ClamAV 1.4.6', signatureVersion: '27400/Mon Dec  7 08:00:00 2026' };

describe('INSTREAM replies', () => {
  it('clean, infected and too large', () => {
    expect(parseInstreamReply('stream: OK\0', id)).toEqual({ result: 'clean', ...id });
    expect(parseInstreamReply('stream: Eicar-Test-Signature FOUND', id)).toEqual({ result: 'infected', signature: 'Eicar-Test-Signature', ...id });
    expect(parseInstreamReply('stream: Win.Test.EICAR_HDB-1 FOUND\0', id)).toMatchObject({ result: 'infected', signature: 'Win.Test.EICAR_HDB-1' });
    expect(parseInstreamReply('INSTREAM size limit exceeded. ERROR', id)).toMatchObject({ result: 'too-large' });
  });

  it('anything else is the scanner failing, never clean', () => {
    for (const garbage of ['', 'OK', 'stream: ok', 'stream: OK extra', 'PONG', 'stream:  FOUND', 'HTTP/1.1 400 Bad Request', '\x01\x02 not a verdict', 'stream: Can\'t allocate memory ERROR']) {
      expect(parseInstreamReply(garbage, id).result, JSON.stringify(garbage)).toBe('unavailable');
    }
  });
});

describe('VERSION replies', () => {
  it('the scanner and, when reported, its signature version', () => {
    expect(parseVersionReply('ClamAV 1.4.6/27400/Mon Dec  7 08:00:00 2026\0')).toEqual(id);
    expect(parseVersionReply('ClamAV 1.4.6')).toEqual({ scanner: 'ClamAV 1.4.6', signatureVersion: null });
    expect(() => parseVersionReply('garbage')).toThrow(/not a version/);
  });
});

describe('QUILL_CLAMD_URL', () => {
  it('tcp://host:port or unix:/path', () => {
    expect(parseClamdUrl('tcp://127.0.0.1:3310')).toEqual({ host: '127.0.0.1', port: 3310 });
    expect(parseClamdUrl('tcp://[::1]:3310')).toEqual({ host: '::1', port: 3310 });
    expect(parseClamdUrl('unix:/run/clamav/clamd.ctl')).toEqual({ path: '/run/clamav/clamd.ctl' });
    expect(parseClamdUrl('unix:///run/clamav/clamd.ctl')).toEqual({ path: '/run/clamav/clamd.ctl' });
    for (const bad of ['http://x:1', 'tcp://host', 'unix:relative', 'clamd']) expect(() => parseClamdUrl(bad), bad).toThrow(/QUILL_CLAMD_URL/);
  });
});

describe('rescan --since', () => {
  it('days, hours or an ISO date', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    expect(parseSince('30d', now)?.toISOString()).toBe('2026-11-07T12:00:00.000Z');
    expect(parseSince('12h', now)?.toISOString()).toBe('2026-12-07T00:00:00.000Z');
    expect(parseSince('2026-01-01')?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(parseSince('soon')).toBeNull();
  });
});
