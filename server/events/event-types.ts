/** Every event type Tributary accepts (docs/warehouse-schema.md describes their properties). */
export const EVENT_TYPES = new Set([
  'background',
  'change',
  'click',
  'consent',
  'console_message',
  'copy',
  'crash',
  'cumulative_layout_shift',
  'custom',
  'element_seen',
  'exception',
  'first_input_delay',
  'force_restart',
  'form_abandon',
  'highlight',
  'identify',
  'interaction_to_next_paint',
  'keyboard_close',
  'keyboard_open',
  'load',
  'low_memory',
  'mouse_thrash',
  'navigate',
  'page_properties',
  'paste',
  'pinch_gesture',
  'request',
]);

/** Types whose `event_properties.target` describes the element the user acted on. */
export const ELEMENT_EVENT_TYPES = new Set([
  'click',
  'change',
  'copy',
  'paste',
  'highlight',
  'form_abandon',
  'element_seen',
  'interaction_to_next_paint',
]);

export const NAVIGATE_REASONS = new Set(['navigate', 'reload', 'back_forward', 'prerender']);
