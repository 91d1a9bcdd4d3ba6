/**
 * The sandbox's simulated Fintoc widget: `registerWidget(app, bridge)` serves the script (at
 * `/widget.js` and `/v1/`), its frame and the bank flow, and moves payment intents through `bridge`.
 * See docs/sandbox-widget.md for the flow, the test credentials and the order of events.
 */
export { registerWidget, type WidgetRouteOptions } from './routes.js';
export {
  CUSTOMER_ACTIONS,
  type CustomerAction,
  type WidgetActionResult,
  type WidgetBridge,
  type WidgetSessionResult,
} from './bridge.js';
export {
  ACCOUNTS,
  INSTITUTIONS,
  TEST_CREDENTIALS,
  type Country,
  type Institution,
  type SecondFactor,
  type TestAccount,
} from './browser/bank.js';
