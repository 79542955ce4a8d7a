// Load shapes and the measurement the end-to-end benchmarks share.
import type { ChildProcess } from 'node:child_process';
import { cpuSeconds, rssBytes } from './process-stats.ts';

/** Sends one request; resolves once it is accepted. */
export type Sender = () => Promise<void>;

/** As fast as `concurrency` requests in flight allow, for `seconds`; returns the spans sent. */
export async function saturate(send: Sender, seconds: number, spansPerRequest: number, concurrency = 16): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let requests = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await send();
        requests++;
      }
    }),
  );
  return requests * spansPerRequest;
}

/** A steady `spansPerSecond`, in requests of `spansPerRequest`, for `seconds`. */
export async function paced(send: Sender, spansPerSecond: number, seconds: number, spansPerRequest: number): Promise<number> {
  const perSecond = spansPerSecond / spansPerRequest;
  const total = Math.round(perSecond * seconds);
  const start = Date.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(send());
  }
  await Promise.all(pending);
  return total * spansPerRequest;
}

/** The process's CPU seconds, wall seconds and peak RSS over `run`, after a short settle. */
export async function measure(child: ChildProcess, run: () => Promise<number>): Promise<{ spans: number; cpu: number; wall: number; peakRss: number }> {
  const pid = child.pid!;
  await new Promise((r) => setTimeout(r, 300));
  let peakRss = rssBytes(pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(pid))), 100);
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const spans = await run();
  await new Promise((r) => setTimeout(r, 400)); // let the last batch leave
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  clearInterval(sampler);
  return { spans, cpu, wall, peakRss };
}
