// Starts the real HAPI FHIR 8.8.0 JPA test server (R4, H2) on 127.0.0.1 for tests.
//
//   const hapi = await startHapi();          // ~20-45 s: start it once per run (see hapi-global-setup.ts)
//   await fetch(`${hapi.baseUrl}/metadata`); // baseUrl is http://127.0.0.1:<port>/fhir
//   await hapi.stop();
//
// The server is built once by test-servers/hapi-fhir/build.sh and cached at
// ${QUILL_CACHE_DIR:-~/.cache/quill}/hapi-fhir-8.8.0-<hash>/ (override the jar with QUILL_HAPI_JAR).
// startHapi() never builds unless asked ({ build: true }); without a build it fails with a message
// saying to run build.sh. QUILL_TEST_SERVER_LOGS=1 echoes the server's output.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, spawnServer, waitUntil, type ServerProcess } from './process.ts';

export const HAPI_BUILD_SCRIPT = fileURLToPath(new URL('../../test-servers/hapi-fhir/build.sh', import.meta.url));

/** Flags measured to roughly halve HAPI's start time (C1 only, serial GC). */
export const HAPI_DEFAULT_JAVA_OPTS: readonly string[] = ['-Xmx768m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

export interface HapiOptions {
  /** Port on 127.0.0.1. Default: a free port (retried if another process takes it first). */
  port?: number;
  /** Run build.sh when the current sources have not been built yet (1-2 min). Default false: fail instead. */
  build?: boolean;
  /** Directory for the H2 database and nothing else. Default: a temp dir, deleted by stop(); a given dir is kept. */
  dir?: string;
  /** JVM options. Default: HAPI_DEFAULT_JAVA_OPTS. */
  javaOpts?: readonly string[];
  /** How long to wait for GET /fhir/metadata to answer 200. Default 180 s. */
  timeoutMs?: number;
}

export interface HapiServer {
  /** FHIR base URL, e.g. http://127.0.0.1:41234/fhir (no trailing slash). */
  baseUrl: string;
  port: number;
  pid: number | undefined;
  /** Last lines of the server's output. */
  tail(): string;
  /** Stops the JVM (SIGTERM, SIGKILL after 15 s) and deletes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

function runBuildScript(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(HAPI_BUILD_SCRIPT, [...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new Error(`could not run ${HAPI_BUILD_SCRIPT}: ${err.message}`));
        return;
      }
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

/** Path of the cached server jar for the current sources (QUILL_HAPI_JAR wins). Builds only if `build` is true. */
export async function hapiJar(opts: { build?: boolean } = {}): Promise<string> {
  const override = process.env.QUILL_HAPI_JAR;
  if (override) {
    if (!existsSync(override)) throw new Error(`QUILL_HAPI_JAR=${override} does not exist`);
    return override;
  }
  const { code, stdout, stderr } = await runBuildScript(opts.build ? [] : ['--check']);
  const jar = stdout.trim().split('\n').pop() ?? '';
  if (code === 0 && jar !== '' && existsSync(jar)) return jar;
  if (!opts.build && code === 3) {
    throw new Error(
      'The HAPI FHIR test server has not been built for the current sources. Run:\n' +
        '  test-servers/hapi-fhir/build.sh\n' +
        '(needs Java 17 + Maven; about 1 min, plus ~350 MB from Maven Central on the first build).\n' +
        stderr.trim(),
    );
  }
  throw new Error(`${HAPI_BUILD_SCRIPT}${opts.build ? '' : ' --check'} failed (exit ${code}):\n${stderr.trim()}`);
}

const PORT_TAKEN = /Port \d+ was already in use|Address already in use/;

/** Starts HAPI FHIR and resolves once GET /fhir/metadata answers 200. */
export async function startHapi(opts: HapiOptions = {}): Promise<HapiServer> {
  const jar = await hapiJar({ build: opts.build ?? false });
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'quill-hapi-')));
  if (!ownDir) await mkdir(dir, { recursive: true });
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const attempts = opts.port === undefined ? 3 : 1;
  try {
    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await freePorts(1))[0]!;
      const baseUrl = `http://127.0.0.1:${port}/fhir`;
      const server: ServerProcess = spawnServer('hapi-fhir', 'java', [...(opts.javaOpts ?? HAPI_DEFAULT_JAVA_OPTS), '-jar', jar, String(port)], {
        cwd: dir,
        env: { ...process.env, QUILL_HAPI_PORT: String(port), QUILL_HAPI_DB_URL: `jdbc:h2:file:${join(dir, 'fhir')}` },
      });
      try {
        await waitUntil(
          server,
          `GET ${baseUrl}/metadata to answer 200`,
          async () => (await fetch(`${baseUrl}/metadata`, { signal: AbortSignal.timeout(30_000) })).status === 200,
          timeoutMs,
          500,
        );
      } catch (err) {
        await server.stop(15_000);
        if (attempt < attempts && PORT_TAKEN.test(server.tail())) continue; // lost the port race; try another
        throw err;
      }
      let stopped: Promise<void> | undefined;
      return {
        baseUrl,
        port,
        pid: server.child.pid,
        tail: () => server.tail(),
        stop() {
          stopped ??= (async () => {
            await server.stop(15_000);
            if (ownDir) await rm(dir, { recursive: true, force: true });
          })();
          return stopped;
        },
      };
    }
  } catch (err) {
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
