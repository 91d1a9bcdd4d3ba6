/**
 * The service's queries, one file per table group; everything is a function of an executor (the
 * database or an open transaction), so callers compose them in their own transactions.
 */
export * from './executor.js';
export * from './payments.js';
export * from './attempts.js';
export * from './timeline.js';
export * from './inbox.js';
export * from './jobs.js';
export * from './notifications.js';
export * from './merchant-endpoints.js';
export * from './reports.js';
export * from './payouts.js';
