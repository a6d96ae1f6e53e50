import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export class ToolError extends Error {
  override name = 'ToolError';
  readonly stderr: string;
  constructor(message: string, stderr: string) {
    super(message);
    this.stderr = stderr;
  }
}

export interface ToolRun {
  child: ChildProcess;
  done: Promise<{ stdout: string; stderr: string }>;
}

/**
 * Runs one PostgreSQL tool from binDir. Its stderr is passed line by line (a '\r' ends a line too: progress output)
 * to onLine and kept for the error message; stdout is collected. Rejects with ToolError on a non-zero exit.
 */
export function startTool(binDir: string, tool: string, args: string[], opts: { env?: NodeJS.ProcessEnv; onLine?: (line: string) => void; onStart?: (pid: number) => void; signal?: AbortSignal } = {}): ToolRun {
  // signal: SIGTERM to the tool when it aborts (the service stopping under a scheduled backup)
  const child = spawn(path.join(binDir, tool), args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], ...(opts.signal ? { signal: opts.signal, killSignal: 'SIGTERM' as const } : {}) });
  if (child.pid) opts.onStart?.(child.pid);
  let stdout = '';
  const errLines: string[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    const parts = (partial + d).split(/\r\n|\r|\n/);
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.trim()) continue;
      opts.onLine?.(line);
      if (!/^\s*\d+\/\d+ kB/.test(line)) errLines.push(line);
      if (errLines.length > 200) errLines.shift();
    }
  });
  const done = new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', (e) => reject(new ToolError(`${tool}: ${e.message}`, '')));
    child.on('close', (code, signal) => {
      if (partial.trim()) errLines.push(partial);
      const stderr = errLines.join('\n');
      if (code === 0) resolve({ stdout, stderr });
      else reject(new ToolError(`${tool} failed (${signal ?? `exit ${code}`}):\n${stderr.split('\n').slice(-15).map((l) => `  ${l}`).join('\n')}`, stderr));
    });
  });
  return { child, done };
}

export const runTool = (binDir: string, tool: string, args: string[], opts: Parameters<typeof startTool>[3] = {}) => startTool(binDir, tool, args, opts).done;
