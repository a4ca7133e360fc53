export type CheckoutIntentState =
  | 'created'
  | 'paid'
  | 'fulfilled'
  | 'errored_backoffice'
  | 'errored_fulfillment_stalled'
  | 'errored_provisioning'
  | 'expired';

export const CHECKOUT_INTENT_STATES: readonly CheckoutIntentState[] = [
  'created',
  'paid',
  'fulfilled',
  'errored_backoffice',
  'errored_fulfillment_stalled',
  'errored_provisioning',
  'expired',
];

export type ErroredState = 'errored_backoffice' | 'errored_fulfillment_stalled' | 'errored_provisioning';

export const ERRORED_STATES: readonly ErroredState[] = [
  'errored_backoffice',
  'errored_fulfillment_stalled',
  'errored_provisioning',
];

/** Spec §5. Self-transitions are not listed: they are always allowed (replays are harmless). */
const ALLOWED_TRANSITIONS: Readonly<Record<CheckoutIntentState, readonly CheckoutIntentState[]>> = {
  created: ['paid', 'expired'],
  paid: ['fulfilled', 'errored_backoffice', 'errored_fulfillment_stalled', 'errored_provisioning'],
  errored_backoffice: ['fulfilled'],
  errored_fulfillment_stalled: ['fulfilled'],
  errored_provisioning: ['fulfilled'],
  expired: ['created'],
  fulfilled: [],
};

/** The unique indexes count these states as "active": academy intents (created, paid). */
export const ACTIVE_STATES_ACADEMY: readonly CheckoutIntentState[] = ['created', 'paid'];
/** Teams intents stay active once fulfilled: a user gets one Teams subscription. */
export const ACTIVE_STATES_TEAMS: readonly CheckoutIntentState[] = ['created', 'paid', 'fulfilled'];

export function isCheckoutIntentState(value: unknown): value is CheckoutIntentState {
  return typeof value === 'string' && (CHECKOUT_INTENT_STATES as readonly string[]).includes(value);
}

export function isErroredState(state: CheckoutIntentState): state is ErroredState {
  return (ERRORED_STATES as readonly string[]).includes(state);
}

export function canTransition(from: CheckoutIntentState, to: CheckoutIntentState): boolean {
  return from === to || ALLOWED_TRANSITIONS[from].includes(to);
}
