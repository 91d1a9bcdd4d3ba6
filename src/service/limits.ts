/** Largest webhook body accepted; Fintoc's events are a few KB. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;
/** Largest body of any other request (the API, the checkout's events, the dashboard's forms). */
export const API_BODY_LIMIT = 64 * 1024;
/** A report file uploaded to POST /api/reports: 64 MiB holds several hundred thousand lines. */
export const REPORT_BODY_LIMIT = 64 * 1024 * 1024;
