/**
 * The checkout: the browser module that opens Fintoc's widget and shows a payment's state (bundled
 * for the browser by `checkoutBundle()`), and the pieces the service uses to serve the hosted page.
 *
 * @example
 * import { checkoutBundle, renderCheckoutPage, checkoutHeaders } from '../checkout/index.js';
 */
export { checkoutBundle, stopCheckoutBundle } from './bundle.js';
export { checkoutCss } from './styles.js';
export {
  CHECKOUT_ASSETS_PATH,
  checkoutCspDirectives,
  checkoutHeaders,
  renderCheckoutPage,
  widgetOrigins,
} from './page.js';
export type { CheckoutPageOptions } from './page.js';
export { escapeHtml, phaseOf, renderView } from './view.js';
export type { CheckoutSession, CheckoutStatus, Phase, ViewState, WidgetConfig } from './view.js';
export {
  FINTOC_ASSETS_ORIGIN,
  countryOfCurrency,
  describeReason,
  fintocButton,
  formatAmount,
  isFinal,
  minorUnitDigits,
  statusCopy,
} from './ux.js';
export type { Country, FintocButton, PaymentStatus, StatusCopy } from './ux.js';
export { mount, parseCheckoutUrl } from './mount.js';
export type {
  CheckoutResult,
  FinalStatus,
  FintocLike,
  FintocWidgetLike,
  MountOptions,
  MountedCheckout,
} from './mount.js';
