// The checkout-intent domain (spec §5); split by concern under ./checkout-intent/, imported from here.
export * from './checkout-intent/states.ts';
export * from './checkout-intent/errors.ts';
export * from './checkout-intent/intent.ts';
export * from './checkout-intent/lifetime.ts';
export * from './checkout-intent/transitions.ts';
export * from './checkout-intent/create-or-update.ts';
export * from './checkout-intent/payment-check.ts';
export * from './checkout-intent/checkout-session.ts';
