import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The service's own ids: `pay_…` payments, `att_…` attempts, `msg_…` notifications, `rep_…` report files. */
export type ServiceIdPrefix = 'pay' | 'att' | 'msg' | 'rep';

/**
 * A new unguessable id (22 base62 characters, about 131 bits).
 *
 * @example
 * serviceId('pay'); // 'pay_6Jx0…'
 */
export function serviceId(prefix: ServiceIdPrefix): string {
  let out = '';
  while (out.length < 22) {
    for (const b of randomBytes(32)) {
      if (b >= 248) continue;
      out += BASE62[b % 62];
      if (out.length === 22) break;
    }
  }
  return `${prefix}_${out}`;
}
