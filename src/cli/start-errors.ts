/**
 * Start failures a user fixes with a flag or a variable, said in one line that names it. Anything
 * else is not recognised here (null), and goes up as it is.
 *
 * @example
 * const line = explainStartError(err, '--port <port>');
 * if (line) process.stderr.write(`pasarela dev: ${line}\n`);
 */
export function explainStartError(err: unknown, portFlag: string): string | null {
  const e = err as { code?: unknown; port?: unknown; address?: unknown; message?: unknown } | null;
  if (e?.code === 'EADDRINUSE') {
    const where = e.port !== undefined ? `port ${String(e.port)} on ${String(e.address)}` : 'the port';
    return `${where} is already in use by another program: stop it, or choose another port with ${portFlag} (0 picks any free port).`;
  }
  if (e?.code === 'EACCES' && e.port !== undefined) {
    return `port ${String(e.port)} needs privileges this process does not have: choose a port above 1023 with ${portFlag}.`;
  }
  if (e?.code === 'database_unreachable' && typeof e.message === 'string') return e.message;
  return null;
}
