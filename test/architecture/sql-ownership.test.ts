// Where SQL may be written, checked from the syntax tree of every source file (oxc-parser): statements live in the
// repositories (`*repository.ts`, or files in a `repository/` folder, which is one module) and in the database layer
// itself (src/db: connection, migrations, advisory locks, the server's own settings); each table is written by one
// repository module only and read elsewhere only where CROSS_READS says why, so a table's statements are read in one
// place.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSync } from 'oxc-parser';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve('src');
const MIGRATIONS = path.join(SRC, 'db', 'migrations');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

interface Node {
  type: string;
  start: number;
  [k: string]: unknown;
}

function walk(node: unknown, visit: (n: Node) => void): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) return node.forEach((n) => walk(n, visit));
  const n = node as Node;
  if (typeof n.type === 'string') visit(n);
  for (const [k, v] of Object.entries(n)) if (k !== 'parent') walk(v, visit);
}

interface SqlSite {
  line: number;
  /** The statement's literal text (template parts joined). */
  text: string;
}

const lineOf = (source: string, offset: number) => source.slice(0, offset).split('\n').length;
const templateText = (t: Node) => (t.quasis as { value: { raw: string } }[]).map((q) => q.value.raw).join(' ');

/** Tagged templates (postgres.js statements and fragments) and `.unsafe(…)` calls: SQL being written. */
function sqlSites(file: string): SqlSite[] {
  const source = readFileSync(file, 'utf8');
  const sites: SqlSite[] = [];
  walk(parseSync(file, source).program, (n) => {
    if (n.type === 'TaggedTemplateExpression') sites.push({ line: lineOf(source, n.start), text: templateText(n.quasi as Node) });
    const callee = n.callee as Node | undefined;
    if (n.type === 'CallExpression' && callee?.type === 'MemberExpression' && (callee.property as { name?: string }).name === 'unsafe') sites.push({ line: lineOf(source, n.start), text: '' });
  });
  return sites;
}

/** Every literal of a file that reads as SQL: statements, and the fragments a repository composes them from. */
function sqlTexts(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const texts: string[] = [];
  walk(parseSync(file, source).program, (n) => {
    const text = n.type === 'TemplateLiteral' ? templateText(n) : n.type === 'Literal' && typeof n.value === 'string' ? n.value : null;
    if (text && /\b(select|insert|update|delete|exists)\b/i.test(text)) texts.push(text);
  });
  return texts;
}

const TABLES = new Set(
  readdirSync(MIGRATIONS)
    .flatMap((f) => [...readFileSync(path.join(MIGRATIONS, f), 'utf8').matchAll(/create table (?:if not exists )?([a-z_][a-z0-9_]*)/gi)])
    .map((m) => m[1]!.toLowerCase()),
);

/** The tables a statement names after from, join, into, update or table. */
const tablesIn = (text: string) =>
  [...text.matchAll(/\b(?:from|join|into|update|table)\s+([a-z_][a-z0-9_]*)/gi)].map((m) => m[1]!.toLowerCase()).filter((t) => TABLES.has(t));

/** The tables a statement changes: insert into, update, delete from. */
const tablesWritten = (text: string) =>
  [...text.matchAll(/\b(?:insert\s+into|update|delete\s+from)\s+([a-z_][a-z0-9_]*)/gi)].map((m) => m[1]!.toLowerCase()).filter((t) => TABLES.has(t));

/**
 * The only statements that read a table another module owns, each because one statement serves the request in one round
 * trip where two would not. Everything else about a table is written in the module that writes it.
 */
const CROSS_READS: Record<string, string[]> = {
  // a document's legalHold is part of its every read, guarded by one "any active hold?" test per statement
  'documents/repository': ['legal_holds'],
  // the due list reads documents with their disposal state; a certificate snapshots the document and its versions in
  // the approving transaction
  'retention/repository': ['documents', 'document_versions'],
};

const rel = (f: string) => path.relative(SRC, f);
const isRepository = (f: string) => /(^|-)repository\.ts$/.test(path.basename(f)) || rel(f).split(path.sep).includes('repository');
const isDatabaseLayer = (f: string) => rel(f).split(path.sep)[0] === 'db';
/** A repository module: its file, or the `repository/` folder it is part of. */
const moduleOf = (f: string) => {
  const parts = rel(f).split(path.sep);
  const i = parts.indexOf('repository');
  return i >= 0 ? parts.slice(0, i + 1).join('/') : parts.join('/');
};

const files = sources(SRC);

describe('SQL in src/', () => {
  it('reads real statements (the check is not vacuous)', () => {
    expect(TABLES.has('documents') && TABLES.has('audit_events')).toBe(true);
    const documents = files.find((f) => rel(f) === path.join('documents', 'repository.ts') || rel(f).startsWith(path.join('documents', 'repository') + path.sep));
    expect(documents).toBeDefined();
    expect(files.filter(isRepository).flatMap(sqlTexts).flatMap(tablesIn)).toContain('document_versions');
  });

  it('is written only in repositories and the database layer', () => {
    const outside = files
      .filter((f) => !isRepository(f) && !isDatabaseLayer(f))
      .flatMap((f) => sqlSites(f).map((s) => `${rel(f)}:${s.line}`));
    expect(outside, 'SQL outside a repository (move it into the repository of the table it is about)').toEqual([]);
  });

  it('leaves the application tables to the repositories (src/db names none but its own)', () => {
    const named = files.filter(isDatabaseLayer).flatMap((f) => sqlTexts(f).flatMap(tablesIn).map((t) => `${rel(f)}: ${t}`));
    expect(named).toEqual([]);
  });

  it('gives every table one repository module that writes it, and reads it elsewhere only where listed', () => {
    const writers = new Map<string, Set<string>>();
    const readers = new Map<string, Set<string>>();
    for (const f of files.filter(isRepository)) {
      for (const text of sqlTexts(f)) {
        for (const t of tablesWritten(text)) writers.set(t, (writers.get(t) ?? new Set()).add(moduleOf(f)));
        for (const t of tablesIn(text)) readers.set(t, (readers.get(t) ?? new Set()).add(moduleOf(f)));
      }
    }
    const sharedWrites = [...writers].filter(([, m]) => m.size > 1).map(([t, m]) => `${t}: ${[...m].sort().join(', ')}`);
    expect(sharedWrites, 'a table written by more than one repository module').toEqual([]);
    // a table only the migrations write (deployment; audit_chain_head, by trigger) is owned by the one module reading it
    const ownerOf = (t: string) => writers.get(t) ?? (readers.get(t)!.size === 1 ? readers.get(t)! : new Set<string>());
    const strayReads = [...readers].flatMap(([t, mods]) =>
      [...mods].filter((m) => !ownerOf(t).has(m) && !CROSS_READS[m]?.includes(t)).map((m) => `${m} reads ${t} (owned by ${[...ownerOf(t)].join(', ') || 'nobody'})`),
    );
    expect(strayReads, 'a repository reading another module\'s table (move the statement to its owner, or list it in CROSS_READS with why)').toEqual([]);
    for (const [m, tables] of Object.entries(CROSS_READS)) for (const t of tables) expect(readers.get(t)?.has(m), `CROSS_READS lists ${m} reading ${t}, which it no longer does`).toBe(true);
  });
});
