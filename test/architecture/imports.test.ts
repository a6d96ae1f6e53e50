// The structure of src/, checked from the sources themselves, the guard of the layout's rules: dependencies point
// inward (a folder-level cycle such as documents → fhir → documents, a circle between two files, or the domain reaching
// outwards fails here, whatever the code compiles to); handlers take their types from their schemas (no cast of
// request.params|query|body); and SQL lives in the repositories, each table written by one.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSync } from 'oxc-parser';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve('src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The top-level folder of src/ a file belongs to ('.' for src/*.ts itself). */
const layer = (file: string): string => {
  const rel = path.relative(SRC, file);
  return rel.includes(path.sep) ? rel.split(path.sep)[0]! : '.';
};

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
  return specs.map((s) => path.resolve(path.dirname(file), s));
}

const files = sources(SRC);
const edges = new Map<string, Set<string>>();
for (const f of files) {
  for (const target of importsOf(f)) {
    if (!target.startsWith(SRC)) continue;
    const [from, to] = [layer(f), layer(target)];
    if (from === to) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)!.add(to);
  }
}

/** Every file's imports of other files in src/ (type-only imports too: a circle of types is still a circle). */
const fileEdges = new Map(files.map((f) => [f, new Set(importsOf(f).filter((t) => t.startsWith(SRC)))]));

function findCycle(edges: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 'done') return null;
    if (state.get(n) === 'open') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'open');
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of edges.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}

describe('the import graph of src/', () => {
  it('reads real imports (the check is not vacuous)', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(edges.get('http')?.has('documents')).toBe(true);
    expect(edges.get('documents')?.has('domain')).toBe(true);
  });

  it('has no cycle between folders', () => {
    expect(findCycle(edges)).toBeNull();
  });

  it('has no import circle between files', () => {
    expect(findCycle(fileEdges)?.map((f) => path.relative(SRC, f)) ?? null).toBeNull();
  });

  it('keeps the domain free of every other layer', () => {
    expect([...(edges.get('domain') ?? [])]).toEqual([]);
  });

  it('lets nothing but the composition root and the CLI depend on the HTTP layer or the CLI', () => {
    for (const [from, tos] of edges) {
      if (from === '.' || from === 'cli') continue;
      expect(tos.has('http') && from, `${from} imports http`).toBeFalsy();
      expect(tos.has('cli') && from, `${from} imports cli`).toBeFalsy();
    }
  });

  it('lets no code cast request.params, request.query or request.body (handlers get their types from their route schemas)', () => {
    // `request.x as T`, `(request.x ?? {}) as T`, `<T>request.x`; `as const` is not a cast of the value's type
    const cast = /\brequest\.(?:params|query|body)\b\s*(?:\?\?[^;()]*)?\)?\s+as\s+(?!const\b)|<[^<>;()]+>\s*request\.(?:params|query|body)\b/g;
    // the check reads the casts it is meant to refuse
    for (const c of ['(request.params as { id: string }).id', 'request.query as Params', '((request.body ?? {}) as Params)', '(request.body as {\n note?: string } | undefined)', '<Params>request.query']) {
      expect(c.match(cast), c).not.toBeNull();
    }
    expect("[['body', request.body]] as const".match(cast)).toBeNull();
    const found = files.flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      return [...text.matchAll(cast)].map((m) => `${path.relative(SRC, f)}:${text.slice(0, m.index).split('\n').length}: ${m[0]}`);
    });
    expect(found).toEqual([]);
  });
});

// Where SQL may be written, checked from the syntax tree of every source file (oxc-parser): statements live in the
// repositories (`*repository.ts`, or files in a `repository/` folder, which is one module) and in the database layer
// itself (src/db: connection, migrations, advisory locks, the server's own settings); each table is written by one
// repository module only and read elsewhere only where CROSS_READS says why, so a table's statements are read in one
// place.
const MIGRATIONS = path.join(SRC, 'db', 'migrations');

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

describe('SQL in src/ (statements live in the repositories)', () => {
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
