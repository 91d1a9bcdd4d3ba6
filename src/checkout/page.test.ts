import { describe, expect, it } from 'vitest';
import { checkoutHeaders, renderCheckoutPage, widgetOrigins } from './page.js';
import { checkoutCss } from './styles.js';
import { parseCheckoutUrl } from './mount.js';
import { phaseOf, renderView, type CheckoutSession } from './view.js';

function session(
  over: Partial<CheckoutSession['payment']> = {},
  country: 'cl' | 'mx' = 'cl',
): CheckoutSession {
  return {
    payment: {
      id: 'pay_2b7d1c9e0f3a4c5d6e7f8091',
      order_id: 'order-<42>',
      amount: 12990,
      currency: 'CLP',
      amount_display: '$12.990 CLP',
      status: 'pending',
      failure_reason: null,
      expires_at: null,
      ...over,
    },
    shop: { name: 'Tienda "Demo"', url: '/' },
    country,
    widget: {
      url: 'http://127.0.0.1:4010/widget.js',
      publicKey: 'pk_test_abc',
      widgetToken: 'pi_123_sec_456',
      country,
      product: 'payments',
      holderType: 'individual',
    },
  };
}

describe('renderView', () => {
  it('shows shop, amount and the approved button, escaping what the shop wrote', () => {
    const html = renderView({ session: session(), phase: 'ready' });
    expect(html).toContain('Tienda &quot;Demo&quot;');
    expect(html).toContain('Orden order-&lt;42&gt;');
    expect(html).toContain('$12.990 CLP');
    expect(html).toContain('src="https://assets.fintoc.com/?img_name=button_cl_light_trailing"');
    expect(html).toContain('alt="Paga con tu banco"');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('style=');
  });

  it('offers a retry and the way back after the customer left the widget', () => {
    const html = renderView({ session: session({}, 'mx'), phase: 'exited' });
    expect(html).toContain('data-testid="retry-button"');
    expect(html).toContain('Paga con transferencia');
    expect(html).toContain('data-testid="back-to-shop"');
  });

  it('lets the service state win over the page phase', () => {
    const canceled = session({ status: 'canceled', failure_reason: 'abandoned' });
    expect(phaseOf(canceled, 'widget')).toBe('final');
    const html = renderView({ session: canceled, phase: 'widget' });
    expect(html).toContain('data-status="canceled"');
    expect(html).not.toContain('fintoc-button');
    expect(phaseOf(session({ status: 'processing' }), 'ready')).toBe('confirming');
  });
});

describe('renderCheckoutPage', () => {
  it('embeds the session as inert JSON and loads only its own script', () => {
    const html = renderCheckoutPage({ session: session({ order_id: '</script><script>alert(1)</script>' }) });
    expect(html).toContain('<html lang="es">');
    expect(html).toContain('name="viewport"');
    expect(html).toContain('<script src="/pay/assets/checkout.js" defer></script>');
    const json = /<script type="application\/json" id="pasarela-session">(.*?)<\/script>/.exec(html)?.[1];
    expect(JSON.parse(json ?? 'null').payment.order_id).toBe('</script><script>alert(1)</script>');
    expect(html.match(/<script/g)).toHaveLength(2);
  });

  it('shows an ended payment without any script or widget', () => {
    const ended = { ...session({ status: 'failed', failure_reason: 'rejected' }), widget: null };
    const html = renderCheckoutPage({ session: ended });
    expect(html).not.toContain('<script');
    expect(html).not.toContain('data-pasarela-checkout');
    expect(html).toContain('El banco rechazó la transferencia.');
  });
});

describe('checkoutCss', () => {
  it("leaves Fintoc's button image as Fintoc serves it: no shadow, hover, stroke, radius, filter or fading", () => {
    // Every rule that reaches the image (the button, its states, the image), but not the text fallback.
    const rules = checkoutCss
      .split('}')
      .filter((rule) =>
        /\.fintoc-button(\[|\{|:|\s+\.fintoc-button-image|-image)/.test(rule.split('{')[0] ?? ''),
      )
      .filter((rule) => !/fintoc-button-text/.test(rule.split('{')[0] ?? ''));
    expect(rules.length).toBeGreaterThanOrEqual(3);
    for (const rule of rules) {
      expect(rule).not.toMatch(
        /:hover|shadow|outline|filter|opacity|border-radius|border:\s*[1-9]|transform/,
      );
    }
  });
});

describe('checkoutHeaders', () => {
  it('allows only self, the widget origin and Fintoc button images', () => {
    const csp = checkoutHeaders('http://127.0.0.1:4010/widget.js')['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self' http://127.0.0.1:4010;");
    expect(csp).toContain("img-src 'self' data: https://assets.fintoc.com http://127.0.0.1:4010");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
  });

  it("adds Fintoc's iframe host for the production script", () => {
    expect(widgetOrigins('https://js.fintoc.com/v1/')).toEqual([
      'https://js.fintoc.com',
      'https://wizard.fintoc.com',
    ]);
    expect(checkoutHeaders('https://js.fintoc.com/v1/')['content-security-policy']).toContain(
      'frame-src https://js.fintoc.com https://wizard.fintoc.com',
    );
  });
});

describe('parseCheckoutUrl', () => {
  it('splits a checkout URL into the service base and the payment id', () => {
    expect(parseCheckoutUrl('https://pay.shop.cl/pay/pay_abc123')).toEqual({
      base: 'https://pay.shop.cl',
      paymentId: 'pay_abc123',
    });
    expect(parseCheckoutUrl('https://shop.cl/pagos/pay/pay_abc123/')).toEqual({
      base: 'https://shop.cl/pagos',
      paymentId: 'pay_abc123',
    });
    expect(parseCheckoutUrl('/pay/pay_x', 'http://127.0.0.1:3000/demo')).toEqual({
      base: 'http://127.0.0.1:3000',
      paymentId: 'pay_x',
    });
    expect(() => parseCheckoutUrl('https://shop.cl/checkout')).toThrow(/expected …\/pay\/<payment id>/);
  });
});

describe('final pages: a next step, and no "Total a pagar"', () => {
  const finals = ['succeeded', 'failed', 'expired', 'canceled'] as const;

  it('every final status shows the amount without asking to pay, and links back to the shop', () => {
    for (const status of finals) {
      const html = renderView({ session: { ...session({ status }), widget: null }, phase: 'final' });
      expect(html, status).not.toContain('Total a pagar');
      expect(html, status).toContain(status === 'succeeded' ? 'Total pagado' : 'Monto de la orden');
      expect(html, status).toContain('data-testid="back-to-shop" href="/"');
    }
    expect(renderView({ session: session(), phase: 'ready' })).toContain('Total a pagar');
  });

  it('with no shop URL at all, every page still says how to leave (no dead end)', () => {
    for (const status of finals) {
      const s = { ...session({ status }), widget: null, shop: { name: 'Tienda Demo', url: null } };
      const html = renderView({ session: s, phase: 'final' });
      expect(html, status).toContain('Puedes cerrar esta página y volver a Tienda Demo.');
    }
    const exited = renderView({ session: { ...session(), shop: { name: 'X', url: null } }, phase: 'exited' });
    expect(exited).toContain('data-testid="retry-button"');
    expect(exited).toContain('Puedes cerrar esta página');
  });
});
