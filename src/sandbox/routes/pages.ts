/**
 * The hosted page a v1 checkout session's `redirect_url` points at (Fintoc's is
 * `https://pay.fintoc.com/payment?checkout_session=cs_…`): the customer pays (the intent's scenario
 * decides the outcome) or goes back, and is sent to `success_url` or `cancel_url`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SandboxCore } from '../core.js';
import type { CheckoutRecord, Space } from '../records.js';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function find(core: SandboxCore, id: string): { space: Space; record: CheckoutRecord } | null {
  for (const space of core.spaces.values()) {
    const record = space.checkouts.get(id);
    if (record) return { space, record };
  }
  return null;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1a1a2e}button{font-size:1rem;padding:.7rem 1.2rem;margin:.3rem .3rem 0 0;border-radius:6px;border:1px solid #0b3ad9;cursor:pointer}.pay{background:#0b3ad9;color:#fff}.cancel{background:#fff;color:#0b3ad9}.note{color:#666;font-size:.85rem}</style></head><body>${body}</body></html>`;
}

export function pageRoutes(app: FastifyInstance, core: SandboxCore): void {
  const notFound = (reply: FastifyReply, id: string) =>
    reply
      .code(404)
      .type('text/html; charset=utf-8')
      .send(page('Not found', `<h1>Checkout session not found</h1><p>${esc(id)}</p>`));

  app.get('/payment', async (request, reply) => {
    const id = (request.query as Record<string, string | undefined>).checkout_session ?? '';
    const found = find(core, id);
    if (!found) return notFound(reply, id);
    reply.type('text/html; charset=utf-8');
    const cs = found.record.object;
    const amount = cs.currency === 'MXN' ? (cs.amount / 100).toFixed(2) : String(cs.amount);
    if (cs.status !== 'created') {
      return page(
        'Fintoc sandbox',
        `<h1>Checkout session ${esc(cs.status)}</h1><p class="note">${esc(cs.id)}</p>`,
      );
    }
    return page(
      'Fintoc sandbox: pay',
      `<h1>Paga con tu banco</h1><p><strong>${esc(cs.currency)} ${esc(amount)}</strong></p>
<p class="note">Fintoc sandbox (${esc(cs.mode)} mode). Scenario for new payments: ${esc(found.space.defaultScenario.name)}.</p>
<form method="post" action="/payment/${esc(cs.id)}/pay" style="display:inline"><button class="pay" id="pay">Pagar</button></form>
<form method="post" action="/payment/${esc(cs.id)}/cancel" style="display:inline"><button class="cancel" id="cancel">Volver a la tienda</button></form>`,
    );
  });

  app.post<{ Params: { id: string } }>('/payment/:id/pay', async (request, reply) => {
    const found = find(core, request.params.id);
    if (!found) return notFound(reply, request.params.id);
    const { space, record } = found;
    if (record.object.status !== 'created') return reply.redirect(record.object.cancel_url, 303);
    const pi = core.payCheckout(space, record);
    return reply.redirect(
      pi.status === 'succeeded' || pi.status === 'pending'
        ? record.object.success_url
        : record.object.cancel_url,
      303,
    );
  });

  app.post<{ Params: { id: string } }>('/payment/:id/cancel', async (request, reply) => {
    const found = find(core, request.params.id);
    if (!found) return notFound(reply, request.params.id);
    return reply.redirect(found.record.object.cancel_url, 303);
  });
}
