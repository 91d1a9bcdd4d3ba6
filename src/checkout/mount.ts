/**
 * The browser side of the checkout: shows the amount and Fintoc's button, opens Fintoc's widget with
 * the Checkout Session's `sessionToken` (or, in the older flow, the payment intent's `widgetToken`),
 * or in the redirect flow sends the customer to Fintoc's page; reports every widget callback to the service, and shows the payment's
 * state as the service knows it. The widget's callbacks only move the page between screens; whether
 * money moved is decided by the service (told by Fintoc's webhook) and read here by polling.
 */
import { isFinal, type PaymentStatus } from './ux.js';
import { phaseOf, renderView, type CheckoutSession, type CheckoutStatus, type Phase } from './view.js';

/** A widget as `Fintoc.create` returns it (`close` and `hide` are two names for one method). */
export interface FintocWidgetLike {
  open(): void;
  close?(): void;
  hide?(): void;
  destroy(): void;
}

/** `window.Fintoc`, or what `getFintoc()` of `@fintoc/fintoc-js` resolves to. */
export interface FintocLike {
  create(options: Record<string, unknown>): FintocWidgetLike;
}

export type FinalStatus = Extract<PaymentStatus, 'succeeded' | 'failed' | 'expired' | 'canceled'>;

/** Passed once to `onResult` when the payment reaches a final state. */
export interface CheckoutResult {
  paymentId: string;
  orderId: string;
  status: FinalStatus;
  failureReason: string | null;
}

export interface MountOptions {
  /** The payment to pay; with it, `serviceUrl` says where the service is (default: this page's origin). */
  paymentId?: string;
  /** Or the payment's `checkout_url`, as the service API returned it. */
  checkoutUrl?: string;
  serviceUrl?: string;
  /** Where to draw the checkout: an element or a CSS selector. */
  element: HTMLElement | string;
  /** Called once with the final state learned from the service. */
  onResult?: (result: CheckoutResult) => void;
  /**
   * How to get Fintoc's `Fintoc` object, e.g. `getFintoc` from `@fintoc/fintoc-js`. Default:
   * `window.Fintoc`, else the widget script named by the service (FINTOC_WIDGET_URL) is loaded.
   */
  fintoc?: FintocLike | Promise<FintocLike | null> | (() => Promise<FintocLike | null>);
  /** Open the widget as soon as the payment is ready, without waiting for the button. */
  autoOpen?: boolean;
  /** Polling period for the payment's state; halved while confirming. Default 2000 ms. */
  pollMs?: number;
  /** The session when the page already has it (the hosted page embeds it), saving a request. */
  initialSession?: CheckoutSession;
}

/** What `mount` returns. */
export interface MountedCheckout {
  /** Reads the state from the service now. */
  refresh(): Promise<void>;
  /** Stops polling, removes the widget and the markup. */
  destroy(): void;
}

interface QueuedEvent {
  type: 'event' | 'success' | 'exit';
  name?: string;
  timestamp: number;
}

/** Splits a checkout URL into the service base and the payment id. */
export function parseCheckoutUrl(checkoutUrl: string, pageUrl?: string): { base: string; paymentId: string } {
  const url = new URL(checkoutUrl, pageUrl);
  const match = /^(.*)\/pay\/([^/]+)\/?$/.exec(url.pathname);
  if (!match?.[2])
    throw new Error(`not a Pasarela checkout URL: ${checkoutUrl} (expected …/pay/<payment id>)`);
  return { base: `${url.origin}${match[1] ?? ''}`, paymentId: decodeURIComponent(match[2]) };
}

const scripts = new Map<string, Promise<FintocLike>>();

/** Loads the widget script once per URL and resolves `window.Fintoc`. */
function loadWidgetScript(src: string): Promise<FintocLike> {
  const w = window as unknown as { Fintoc?: FintocLike };
  if (w.Fintoc) return Promise.resolve(w.Fintoc);
  let loading = scripts.get(src);
  if (!loading) {
    loading = new Promise<FintocLike>((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.async = true;
      script.addEventListener('load', () =>
        w.Fintoc ? resolve(w.Fintoc) : reject(new Error(`${src} loaded but did not define window.Fintoc`)),
      );
      script.addEventListener('error', () => reject(new Error(`could not load Fintoc's widget from ${src}`)));
      (document.head ?? document.body).appendChild(script);
    });
    loading.catch(() => scripts.delete(src));
    scripts.set(src, loading);
  }
  return loading;
}

/**
 * Draws the checkout of one payment into an element and runs it to the end.
 *
 * @example
 * Pasarela.mount({
 *   checkoutUrl: payment.checkout_url,
 *   element: '#pay',
 *   onResult: (r) => { if (r.status === 'succeeded') location.href = '/thanks'; },
 * });
 */
export function mount(options: MountOptions): MountedCheckout {
  const found =
    typeof options.element === 'string'
      ? document.querySelector<HTMLElement>(options.element)
      : options.element;
  if (!found) throw new Error(`Pasarela.mount: no element matches ${String(options.element)}`);
  const root: HTMLElement = found;
  let base: string;
  let paymentId: string;
  if (options.checkoutUrl) {
    ({ base, paymentId } = parseCheckoutUrl(options.checkoutUrl, location.href));
  } else if (options.paymentId) {
    paymentId = options.paymentId;
    base = (options.serviceUrl ?? location.origin).replace(/\/+$/, '');
  } else {
    throw new Error('Pasarela.mount: pass paymentId or checkoutUrl');
  }
  let payUrl = `${base}/pay/${encodeURIComponent(paymentId)}`;
  const pollMs = Math.max(250, options.pollMs ?? 2000);

  let session: CheckoutSession | null = options.initialSession ?? null;
  let phase: Phase = 'ready';
  let notice: string | null = null;
  let widget: FintocWidgetLike | null = null;
  /** The last widget visit ended on `on_error` (e.g. a token Fintoc no longer takes): retry needs a new intent. */
  let widgetFailed = false;
  let destroyed = false;
  let reported = false;
  /** The session was read again once the payment ended (whether the customer may try again). */
  let endedSessionRead = false;
  let pollTimer: ReturnType<typeof setTimeout> | null = null;
  const queue: QueuedEvent[] = [];
  let flushing: Promise<void> | null = null;

  let rendered = '';
  const render = () => {
    if (destroyed || !session) return;
    // Polls mostly change nothing; re-drawing anyway would refetch the button image each time.
    const html = renderView({ session, phase, notice });
    if (html === rendered && root.firstChild) return;
    rendered = html;
    root.innerHTML = html;
    root.querySelectorAll<HTMLImageElement>('img.fintoc-button-image').forEach(watchImage);
  };

  // The approved button is Fintoc's hosted image; where it cannot load, its label shows instead.
  function watchImage(img: HTMLImageElement) {
    const fallback = () => img.closest('.fintoc-button')?.classList.add('fintoc-button-fallback');
    const loaded = () => img.closest('.fintoc-button')?.classList.add('fintoc-button-loaded');
    if (img.complete) {
      if (img.naturalWidth > 0) loaded();
      else fallback();
    }
    img.addEventListener('error', fallback, { once: true });
    img.addEventListener('load', loaded, { once: true });
  }

  async function request<T>(path: string, init?: RequestInit): Promise<T> {
    const response = await fetch(`${payUrl}${path}`, {
      ...init,
      headers: { accept: 'application/json', ...(init?.body ? { 'content-type': 'application/json' } : {}) },
      credentials: 'omit',
    });
    const body = (await response.json().catch(() => null)) as {
      error?: { code?: string; message?: string };
    } | null;
    if (!response.ok) {
      const error = new Error(body?.error?.message ?? `HTTP ${response.status}`) as Error & { code?: string };
      error.code = body?.error?.code;
      throw error;
    }
    return body as T;
  }

  // Widget callbacks are reported in small batches: a burst of onEvent calls becomes one request.
  function report(event: QueuedEvent) {
    queue.push(event);
    void flush();
  }
  async function flush(): Promise<void> {
    if (flushing) return flushing;
    flushing = (async () => {
      while (queue.length > 0) {
        const events = queue.splice(0, 20);
        await request('/events', { method: 'POST', body: JSON.stringify({ events }), keepalive: true }).catch(
          () => {
            // Browser events are a record for the timeline, never needed for the payment to settle.
          },
        );
      }
    })().finally(() => {
      flushing = null;
    });
    return flushing;
  }

  function closeWidget() {
    if (!widget) return;
    try {
      widget.destroy();
    } catch {
      // Already gone.
    }
    widget = null;
  }

  function apply(status: CheckoutStatus) {
    if (!session) return;
    session = {
      ...session,
      payment: { ...session.payment, status: status.status, failure_reason: status.failure_reason },
    };
    if (isFinal(status.status)) {
      phase = 'final';
      // The widget shows its own end screen for a success or a rejection; a payment that ran out of
      // time has nothing left to show in it.
      if (status.status === 'expired' || status.status === 'canceled') closeWidget();
      session = { ...session, widget: null, redirect: null };
      if (status.status === 'failed' && session.retryable !== true && !endedSessionRead) {
        // Rejected while the page was open: the service says whether the customer may try again.
        endedSessionRead = true;
        void request<CheckoutSession>('/session')
          .then((fresh) => {
            if (!session || fresh.payment.id !== session.payment.id) return;
            session = { ...session, retryable: fresh.retryable === true };
            render();
          })
          .catch(() => undefined);
      }
      if (!reported) {
        reported = true;
        options.onResult?.({
          paymentId,
          orderId: session.payment.order_id,
          status: status.status as FinalStatus,
          failureReason: status.failure_reason,
        });
      }
    } else if (status.status === 'processing' && phase !== 'widget') {
      phase = 'confirming';
    }
    render();
  }

  async function poll() {
    if (destroyed || !session) return;
    try {
      if (!session.widget && !session.redirect && session.payment.status === 'pending') {
        // Not payable yet (the service is still getting the payment intent from Fintoc): ask again.
        session = await request<CheckoutSession>('/session');
        if (phase === 'error' && session.widget) phase = 'ready';
        notice = null;
      }
      apply(await request<CheckoutStatus>('/status'));
    } catch {
      // A missed poll is retried at the next tick.
    }
  }

  function schedule() {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
    if (destroyed || !session || isFinal(session.payment.status)) return;
    const delay = phase === 'confirming' ? pollMs / 2 : pollMs;
    pollTimer = setTimeout(() => {
      void poll().then(schedule);
    }, delay);
  }

  const resolveFintoc = async (): Promise<FintocLike> => {
    const source = options.fintoc;
    if (source) {
      const fintoc = await (typeof source === 'function' ? source() : source);
      if (!fintoc) throw new Error('the Fintoc loader returned no Fintoc object');
      return fintoc;
    }
    if (!session?.widget) throw new Error('this payment can no longer be paid');
    return loadWidgetScript(session.widget.url);
  };

  async function openWidget() {
    if (session?.redirect && !session.widget) {
      // The redirect flow: Fintoc's page takes the customer, who comes back to the return page.
      location.assign(session.redirect.url);
      return;
    }
    if (!session?.widget || widget) return;
    const config = session.widget;
    phase = 'widget';
    notice = null;
    render();
    try {
      const fintoc = await resolveFintoc();
      if (destroyed) return;
      // The widget reached its own end (paid, or the bank said no): leaving it now is not "leaving".
      let ended = false;
      widget = fintoc.create({
        // A Checkout Session opens with Fintoc's embedded-checkout options; an intent with the older ones.
        ...(config.sessionToken
          ? { product: config.product, publicKey: config.publicKey, sessionToken: config.sessionToken }
          : {
              product: config.product,
              holderType: config.holderType,
              publicKey: config.publicKey,
              widgetToken: config.widgetToken,
              country: config.country,
            }),
        onEvent: (name: unknown, metadata?: { timestamp?: unknown }) => {
          const timestamp = typeof metadata?.timestamp === 'number' ? metadata.timestamp : Date.now();
          if (name === 'payment_error') ended = true;
          if (name === 'on_error') widgetFailed = true;
          if (name === 'opened') widgetFailed = false;
          report({ type: 'event', name: String(name), timestamp });
        },
        onSuccess: () => {
          ended = true;
          report({ type: 'success', timestamp: Date.now() });
          if (phase !== 'final') phase = 'confirming';
          render();
          void poll().then(schedule);
        },
        onExit: () => {
          report({ type: 'exit', timestamp: Date.now() });
          // The widget hid itself; it stays, so "try again" reopens it (Fintoc: open() after close()).
          if (phase === 'final' || ended || widgetFailed) closeWidget();
          if (phase === 'final') return render();
          // Closing after the bank answered is not leaving: wait for the service to know the outcome.
          phase = ended ? 'confirming' : 'exited';
          render();
          void poll().then(schedule);
        },
      });
      widget.open();
    } catch (error) {
      widget = null;
      phase = 'exited';
      notice = `No pudimos abrir la ventana de pago: ${(error as Error).message}`;
      render();
    }
  }

  /**
   * Try again after leaving: the same widget opens again on the same payment intent, as Fintoc
   * documents for a hidden widget. Only when the widget failed (its token refused) does the service
   * start a new attempt with a new intent (`POST /pay/:id/attempts`).
   */
  async function retry() {
    if (!session) return;
    notice = null;
    if (isFinal(session.payment.status)) return startOver();
    if (widget && !widgetFailed) {
      phase = 'widget';
      render();
      widget.open();
      return;
    }
    if (!widgetFailed) return openWidget();
    phase = 'widget';
    render();
    try {
      closeWidget();
      session = await request<CheckoutSession>('/attempts', { method: 'POST', body: '{}' });
      widgetFailed = false;
      phase = phaseOf(session, 'ready');
      if (phase === 'ready') return openWidget();
      render();
    } catch (error) {
      phase = 'exited';
      // In the customer's words; a payment that ended meanwhile shows itself after the poll below.
      notice =
        (error as { code?: string }).code === 'too_many_attempts'
          ? 'Hiciste muchos intentos seguidos. Espera unos minutos y vuelve a intentarlo.'
          : 'No pudimos preparar un nuevo intento. Vuelve a intentarlo en un momento.';
      await poll();
      render();
    }
  }

  /**
   * After the bank rejected the payment: the service starts the order's next payment (or answers
   * the one already open) and the page moves to it, the hosted page's address included.
   */
  async function startOver() {
    if (!session?.retryable) return;
    try {
      const next = await request<CheckoutSession>('/attempts', { method: 'POST', body: '{}' });
      const previous = paymentId;
      paymentId = next.payment.id;
      payUrl = `${base}/pay/${encodeURIComponent(paymentId)}`;
      const oldPath = `/pay/${encodeURIComponent(previous)}`;
      if (location.pathname.endsWith(oldPath)) {
        const path = `${location.pathname.slice(0, -oldPath.length)}/pay/${encodeURIComponent(paymentId)}`;
        history.replaceState(null, '', path);
      }
      closeWidget();
      session = next;
      reported = false;
      endedSessionRead = false;
      widgetFailed = false;
      phase = phaseOf(session, 'ready');
      if (isFinal(session.payment.status)) apply({ ...session.payment, updated_at: null });
      else render();
      schedule();
      if (phase === 'ready') void openWidget();
    } catch (error) {
      notice =
        (error as { code?: string }).code === 'too_many_attempts'
          ? 'Hiciste muchos intentos seguidos. Espera unos minutos y vuelve a intentarlo.'
          : 'No pudimos preparar un nuevo intento. Vuelve a intentarlo en un momento.';
      render();
    }
  }

  const onClick = (event: MouseEvent) => {
    const target = (event.target as Element | null)?.closest<HTMLElement>('[data-action]');
    if (!target || !root.contains(target)) return;
    const action = target.dataset.action;
    if (action === 'open') void openWidget();
    else if (action === 'retry') void retry();
  };
  root.addEventListener('click', onClick);

  const onVisible = () => {
    if (document.visibilityState === 'visible') void poll();
  };
  document.addEventListener('visibilitychange', onVisible);

  async function start() {
    try {
      if (!session) session = await request<CheckoutSession>('/session');
    } catch (error) {
      root.innerHTML =
        `<div class="pasarela-card" data-phase="error"><section class="pasarela-status pasarela-status-error" data-testid="checkout-status" data-status="error" role="alert">` +
        `<h1>No pudimos cargar el pago</h1><p>${String((error as Error).message).replace(/[<>&"']/g, '')}</p></section></div>`;
      return;
    }
    phase = phaseOf(session);
    if (isFinal(session.payment.status)) apply({ ...session.payment, updated_at: null });
    else render();
    // Start loading the widget script early so the button opens it at once.
    if (session.widget && !options.fintoc) loadWidgetScript(session.widget.url).catch(() => undefined);
    schedule();
    if (options.autoOpen && phase === 'ready') void openWidget();
  }
  void start();

  return {
    refresh: () => poll(),
    destroy() {
      destroyed = true;
      if (pollTimer) clearTimeout(pollTimer);
      root.removeEventListener('click', onClick);
      document.removeEventListener('visibilitychange', onVisible);
      closeWidget();
      void flush();
      root.innerHTML = '';
    },
  };
}
