/**
 * Whether PostgreSQL can store a string as text or inside jsonb: no NUL character and no lone UTF-16
 * surrogate (JSON allows both; the database refuses them, which would be a 500 on a client's mistake).
 *
 * @example
 * isStorableText('order-1'); // true
 * isStorableText('a\u0000b'); // false
 */
export function isStorableText(text: string): boolean {
  return (
    !text.includes('\u0000') &&
    !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)
  );
}

/** The end of a message about text the database cannot hold. */
export const NOT_STORABLE = 'must not contain NUL characters or unpaired surrogates.';

/** Text from a request, cut for a message (a 10 KB URL is not worth echoing). */
export function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
