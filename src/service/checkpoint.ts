/**
 * A point between a decision and the write that acts on it, where a test runs other work (a retried
 * creation, a webhook, a payment succeeding) to check the write still holds on the state it was
 * decided on: the deadline between its read and its write (`abandon:read`, `abandon:decided`), a
 * creation between its `order_already_paid` check and its insert (`create:checked`, with the id the
 * new payment will have). Injected like the clock; production passes none.
 */
export type Checkpoint = (
  point: 'abandon:read' | 'abandon:decided' | 'create:checked',
  paymentIds: readonly string[],
) => Promise<void>;
