/**
 * Fintoc's e-mail carrying a report file as its attachment (a note, then the file in base64), as a
 * maildir file holds it: what the service's maildir intake reads.
 */
export function reportMail(filename: string, csv: string): string {
  return [
    'From: Fintoc <reportes@fintoc.com>',
    'To: finanzas@tienda.cl',
    'Subject: Reporte',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="=_b1"',
    '',
    '--=_b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Adjuntamos el reporte.',
    '--=_b1',
    `Content-Type: text/csv; charset=utf-8; name="${filename}"`,
    `Content-Disposition: attachment; filename="${filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    ...(Buffer.from(csv)
      .toString('base64')
      .match(/.{1,76}/g) ?? []),
    '--=_b1--',
    '',
  ].join('\r\n');
}
