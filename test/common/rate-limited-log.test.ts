// One line per key per interval, the next one counting what was left out; keys are independent.
import { expect, test } from 'vitest';
import { RateLimitedLog } from '../../src/common/rate-limited-log.ts';
import { capturingLogger } from '../exporters/helper-fixtures.ts';
import { ManualClock } from '../support/manual-clock.ts';

test('logs the first line of a key, suppresses the rest for the interval, then reports how many it left out', async () => {
  const clock = new ManualClock();
  const { logger, lines } = capturingLogger('info');
  const log = new RateLimitedLog(logger, 1_000, clock);
  expect(log.log('info', 'a', { n: 1 }, 'first')).toBe(true);
  expect(log.log('info', 'a', { n: 2 }, 'second')).toBe(false);
  expect(log.log('error', 'b', { n: 3 }, 'other key')).toBe(true);
  await clock.advance(999);
  expect(log.log('info', 'a', { n: 4 }, 'still inside')).toBe(false);
  await clock.advance(1);
  expect(log.log('warn', 'a', { n: 5 }, 'after')).toBe(true);
  expect(lines.map((line) => [line.msg, line.level, line.suppressed])).toEqual([
    ['first', 30, undefined],
    ['other key', 50, undefined],
    ['after', 40, 2],
  ]);
  expect(lines[2].n).toBe(5);
});
