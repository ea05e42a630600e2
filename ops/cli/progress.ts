// Progress for long commands: a bar with count and ETA on a terminal (cli-progress), plain
// lines at every tenth otherwise, so CI logs stay readable.
import { Presets, SingleBar } from "cli-progress";

export interface Progress {
  increment(by?: number): void;
  stop(): void;
}

export function progress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new SingleBar(
      { format: `${label} [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted}`, stream, hideCursor: true },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    return { increment: (by = 1) => bar.increment(by), stop: () => bar.stop() };
  }
  let done = 0;
  let nextReport = Math.ceil(total / 10);
  const started = Date.now();
  stream.write(`${label}: 0/${total}\n`);
  return {
    increment(by = 1) {
      done += by;
      if (done >= nextReport && done < total) {
        const eta = ((Date.now() - started) / done) * (total - done);
        stream.write(`${label}: ${done}/${total} (${Math.round((100 * done) / total)}%, ETA ${Math.ceil(eta / 1000)} s)\n`);
        nextReport += Math.ceil(total / 10);
      }
    },
    stop() {
      stream.write(`${label}: ${done}/${total} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    },
  };
}

/**
 * Progress over pages whose total is known only once the first page arrives (Retool's user list
 * says its total_count on each page; without one, the first page's size stands in). The bar
 * starts at the first page; stop does nothing if no page came.
 */
export function progressByPage(label: string, stream: NodeJS.WriteStream = process.stderr) {
  let bar: Progress | undefined;
  return {
    page(records: number, total: number | undefined) {
      bar ??= progress(label, total ?? records, stream);
      bar.increment(records);
    },
    stop: () => bar?.stop(),
  };
}
