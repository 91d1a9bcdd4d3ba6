/** ISO 8601 with second precision, as Fintoc's recent payloads (`2025-04-05T21:57:17Z`). */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
