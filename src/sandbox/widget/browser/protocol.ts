/**
 * Messages between the loader script (the merchant's page) and the widget frame (the sandbox's
 * origin). Each side checks `event.source` and `event.origin` before reading one, then this shape.
 */

export const CHANNEL = 'pasarela-sandbox-widget';

/** The frame's page, relative to the sandbox origin. */
export const FRAME_PATH = '/widget/frame';

export type ToFrame =
  | { channel: typeof CHANNEL; widgetId: string; type: 'configure'; options: Record<string, unknown> }
  | { channel: typeof CHANNEL; widgetId: string; type: 'open' };

export type ToParent =
  | { channel: typeof CHANNEL; widgetId: string; type: 'listening' }
  | {
      channel: typeof CHANNEL;
      widgetId: string;
      type: 'event';
      name: string;
      metadata: { timestamp: number } & Record<string, unknown>;
    }
  | { channel: typeof CHANNEL; widgetId: string; type: 'success' }
  | { channel: typeof CHANNEL; widgetId: string; type: 'exit' }
  | { channel: typeof CHANNEL; widgetId: string; type: 'hide' };

/** A message without its envelope (`channel`, `widgetId`), one member of the union at a time. */
export type Payload<T> = T extends unknown ? Omit<T, 'channel' | 'widgetId'> : never;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A message meant for this widget, from the frame's side. */
export function isToFrame(value: unknown, widgetId: string): value is ToFrame {
  if (!isRecord(value) || value.channel !== CHANNEL || value.widgetId !== widgetId) return false;
  return (value.type === 'configure' && isRecord(value.options)) || value.type === 'open';
}

/** A message meant for this widget, from the loader's side. */
export function isToParent(value: unknown, widgetId: string): value is ToParent {
  if (!isRecord(value) || value.channel !== CHANNEL || value.widgetId !== widgetId) return false;
  switch (value.type) {
    case 'event':
      return typeof value.name === 'string' && isRecord(value.metadata);
    case 'listening':
    case 'success':
    case 'exit':
    case 'hide':
      return true;
    default:
      return false;
  }
}

/**
 * The options as data: callbacks cannot cross `postMessage` (nor reach the sandbox), so functions are
 * dropped, and anything else that JSON cannot carry is dropped with them.
 */
export function dataOptions(options: unknown): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  if (!isRecord(options)) return data;
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'function' || value === undefined) continue;
    try {
      data[key] = JSON.parse(JSON.stringify(value)) as unknown;
    } catch {
      // A cyclic or otherwise unserialisable value: the real widget could not use it either.
    }
  }
  return data;
}
