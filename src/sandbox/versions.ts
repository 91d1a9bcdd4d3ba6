/**
 * Fintoc's dated API versions as the sandbox applies them. Every organisation is pinned to one
 * version (Fintoc pins an account to the version current at its first request: for a sandbox
 * organisation, made at its first request, that is today's `2026-02-01`); a request's
 * `Fintoc-Version` header overrides the pin for that request. The v2 checkout-session endpoints need
 * `2026-02-01` or later. The version changes no v1 shape here: Fintoc's rename tables are unknown.
 *
 * @example
 * effectiveVersion(space, request.headers['fintoc-version']); // '2026-02-01'
 * requireV2(space, '2023-11-15'); // throws 403 invalid_api_version
 */
import { ApiError } from './errors.js';

/** The versions Fintoc publishes, oldest first. */
export const API_VERSIONS = ['2023-11-15', '2025-08-13', '2026-02-01'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

/** What a new organisation is pinned to: the current version. */
export const DEFAULT_API_VERSION: ApiVersion = '2026-02-01';

/** The oldest version the v2 checkout-session endpoints accept. */
export const V2_MIN_VERSION: ApiVersion = '2026-02-01';

export function isApiVersion(value: unknown): value is ApiVersion {
  return typeof value === 'string' && (API_VERSIONS as readonly string[]).includes(value);
}

function versionError(message: string): ApiError {
  return new ApiError(403, 'invalid_request_error', 'invalid_api_version', message, 'Fintoc-Version');
}

/**
 * The version a request runs under: its `Fintoc-Version` header when present (it must be a published
 * version), else the organisation's pin.
 */
export function effectiveVersion(pinned: ApiVersion, header: string | string[] | undefined): ApiVersion {
  if (header === undefined) return pinned;
  const value = Array.isArray(header) ? header[0] : header;
  if (isApiVersion(value)) return value;
  throw versionError(
    `Fintoc-Version must be one of ${API_VERSIONS.join(', ')}; got ${JSON.stringify(String(value).slice(0, 40))}. Leave the header out to use your organisation's pinned version.`,
  );
}

/** Throws 403 `invalid_api_version` unless the request runs under 2026-02-01 or later. */
export function requireV2(pinned: ApiVersion, header: string | string[] | undefined, what: string): void {
  const version = effectiveVersion(pinned, header);
  if (version >= V2_MIN_VERSION) return;
  throw versionError(
    `${what} needs API version ${V2_MIN_VERSION} or later, and this request runs under ${version} (${header === undefined ? "your organisation's pinned version" : 'the Fintoc-Version header'}). Send the header "Fintoc-Version: ${V2_MIN_VERSION}".`,
  );
}
