#!/usr/bin/env node
// Runs dist/, the plain JavaScript that scripts/build.mjs strips from src/ (npm ci builds it, and
// npm start and npm test rebuild it), so the process never loads Node's type stripper.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// V8 sizes its old generation from the live heap, about 20 MiB for Sluice, and counts the request
// bodies Node reads (ArrayBuffers outside the heap) against it, so at 10k spans/s it ran a full
// mark-compact every two seconds, about 40 ms of CPU each. A 40 MiB floor makes room for those
// bodies, and small semi-spaces let the young-generation collections free them before the dead
// bodies outside the heap set off a mark-compact: at that load none runs in 40 s, where without
// the floor six run, most in the first 10 s. 2 MiB semi-spaces, against 4, saturate 20-25% higher
// (the processor chain 4-13%) at 10 MiB less RSS (benchmarks/RESULTS.md). The floor also bounds
// RSS, as garbage waits under it for the next mark-compact (64 MiB measured 130 MiB RSS at 10k
// spans/s, 40 MiB about 105). Both only shape a small heap; a large one grows as usual. This is
// the Collector's old memory ballast, in V8's terms.
// SLUICE_NODE_FLAGS replaces the list ('' for none); flags already given to Node (or in
// NODE_OPTIONS) stay.
const DEFAULT_NODE_FLAGS = '--initial-old-space-size=40 --max-semi-space-size=2';
const NOT_A_RUN = new Set(['validate', 'components', '--help', '-h', '--version', '-v']);

if (!existsSync(new URL('../dist/cli.js', import.meta.url))) {
  // Installed with --ignore-scripts: build once, in a child, so this process stays lean.
  const built = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url))], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) process.exit(1);
}

const missing = NOT_A_RUN.has(process.argv[2]) ? [] : missingFlags(process.env.SLUICE_NODE_FLAGS ?? DEFAULT_NODE_FLAGS);
if (missing.length > 0 && typeof process.execve === 'function') {
  // Heap sizes are fixed when V8 starts, so the process replaces itself (same pid, same stdio).
  try {
    process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)]);
  } catch (error) {
    // execve returns only on failure; Sluice still runs, on V8's default heap sizing.
    process.emitWarning(`could not restart Node with ${missing.join(' ')}: ${error.message}`);
  }
}
await import('../dist/cli.js');

/** The flags in `wanted` whose option Node was not already started with. */
function missingFlags(wanted) {
  const optionName = (flag) => flag.split('=')[0].replaceAll('_', '-');
  const given = new Set([...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].map(optionName));
  return wanted.split(/\s+/).filter((flag) => flag !== '' && !given.has(optionName(flag)));
}
