// The import graph of src/, checked from the sources themselves: dependencies point inward. A folder-level cycle
// (documents → fhir → documents) or the domain reaching outwards fails here, whatever the code compiles to.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
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
