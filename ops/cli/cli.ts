// What every script shares: the project folder, exit codes, and turning errors into messages.
import { Command, InvalidArgumentError } from "commander";
import { ConfigError } from "../../infra/config/stackSettings";
import { RetoolStopped } from "../../infra/providers/retool/retoolClient";
import { PulumiUnavailable } from "../pulumi/pulumiCli";

export { PROJECT_DIR } from "../projectDir";

/**
 * Exit codes: 0 done; 1 failed while working; 2 bad usage or bad config (nothing was changed);
 * 3 the Pulumi CLI is missing; 4 drift found (reconcile --check, doctor); 130 stopped by Ctrl-C.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, missingTool: 3, drift: 4, interrupted: 130 } as const;

export class UsageError extends Error {}

export function exitCodeFor(e: unknown): number {
  if (e instanceof RetoolStopped) return EXIT.interrupted;
  if (e instanceof PulumiUnavailable) return EXIT.missingTool;
  return e instanceof ConfigError || e instanceof UsageError ? EXIT.usage : EXIT.failed;
}

/** Runs a script's main, printing errors as messages; DEBUG=1 adds the stack trace. */
export function runMain(main: () => Promise<number | undefined>): void {
  main().then(
    (code) => process.exit(code ?? EXIT.ok),
    (e) => {
      console.error(e instanceof Error ? e.message : String(e));
      if (process.env.DEBUG && e instanceof Error) console.error(e.stack);
      process.exit(exitCodeFor(e));
    },
  );
}

/** A command line whose usage errors (an unknown option, a bad value) exit with EXIT.usage, as every --help says. */
export function newCommand(): Command {
  return new Command().exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));
}

/** Parses an option that must be a whole number of at least `min`. */
export function wholeNumber(min = 1): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number of at least ${min}, got ${value}`);
    return n;
  };
}

/**
 * The first Ctrl-C (or SIGTERM) aborts the returned signal so the work can stop at a safe point;
 * a second one exits at once (Postgres rolls back whatever was open).
 */
export function stopOnSignal(onFirst: () => void): AbortSignal {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort();
    onFirst();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return controller.signal;
}
