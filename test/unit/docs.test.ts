// The documentation stays true to the code and to itself: the configuration table names every setting the
// configuration schema reads (and only settings something reads), every relative link and #anchor in the Markdown
// resolves (headings slugged as GitHub does), and commands are written one way, `npx quill-docstore …`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import GithubSlugger from 'github-slugger';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';

const root = path.resolve('.');
const read = (f: string) => readFileSync(path.join(root, f), 'utf8');
const MARKDOWN = ['README.md', 'test-servers/README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Markdown without its fenced code blocks (links and headings inside them are not links and headings). */
function prose(text: string): string {
  return text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
}

/** The anchors GitHub gives a file's headings. */
function anchors(file: string): Set<string> {
  const slugger = new GithubSlugger();
  return new Set([...prose(read(file)).matchAll(/^#{1,6} (.+)$/gm)].map((m) => slugger.slug(m[1]!.trim())));
}

describe('the configuration table (docs/configuration.md)', () => {
  const table = read('docs/configuration.md')
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => l.split(' | ')[0]!);
  const documented = new Set(table.flatMap((cell) => [...cell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)));

  it('names every setting of the configuration schema (src/config/schema.ts, src/config/backup.ts)', () => {
    expect(Object.keys(configSchema.properties).filter((k) => !documented.has(k))).toEqual([]);
  });

  it('names only settings the code reads', () => {
    const sources = ['src', 'scripts'].flatMap((dir) => readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') || f.endsWith('.js')).map((f) => read(path.join(dir, f))));
    const code = sources.join('\n');
    expect([...documented].filter((k) => !code.includes(k))).toEqual([]);
  });
});

describe('links in the Markdown', () => {
  it.each(MARKDOWN)('%s: every relative link and anchor resolves', (file) => {
    const broken: string[] = [];
    for (const [, target] of prose(read(file)).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue; // http:, https:, mailto:
      const [p, anchor] = target!.split('#') as [string, string | undefined];
      const resolved = p === '' ? file : path.normalize(path.join(path.dirname(file), p));
      if (!existsSync(path.join(root, resolved))) broken.push(`${target} (no ${resolved})`);
      else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) broken.push(`${target} (no heading #${anchor} in ${resolved})`);
    }
    expect(broken).toEqual([]);
  });
});

describe('commands', () => {
  it.each(MARKDOWN)('%s writes them as `npx quill-docstore …` (a bare quill-docstore is not on PATH)', (file) => {
    const bare = read(file).match(/(?<!npx\s)(?<![\w/.-])quill-docstore (start|token|reconcile|audit|doctor|migrate-blobs|migrate|rotate-key|scrub|backup|restore|verify-restore|config|help)\b.*/g);
    expect(bare ?? []).toEqual([]);
  });
});

describe('figures', () => {
  it.each(MARKDOWN)('%s has no figure left to fill in (an @NAME@ placeholder)', (file) => {
    expect(read(file).match(/@[A-Z][A-Z0-9_]+@/g) ?? []).toEqual([]);
  });
});
