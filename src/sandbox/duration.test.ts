import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    [90, 90_000],
    ['90', 90_000],
    ['1.5', 1500],
    ['500ms', 500],
    ['3s', 3000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    [' 10m ', 600_000],
    [0, 0],
  ])('%j → %i ms', (input, ms) => expect(parseDuration(input)).toBe(ms));

  it.each([[-1], ['-5m'], ['ten minutes'], ['10x'], [''], [null], [{}], [Number.NaN], ['5m garbage']])(
    '%j is refused',
    (input) => expect(parseDuration(input)).toBeNull(),
  );

  it('formats', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(3000)).toBe('3s');
    expect(formatDuration(0)).toBe('0s');
  });
});
