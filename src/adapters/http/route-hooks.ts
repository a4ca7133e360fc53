import type { preValidationHookHandler, RouteOptions } from 'fastify';

/** Whether a route's methods can carry a body (anything but GET and HEAD). */
export function readsBody(route: Pick<RouteOptions, 'method'>): boolean {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  return methods.some((method) => method !== 'GET' && method !== 'HEAD');
}

/** Puts `hook` before the route's own preValidation hooks (for an `onRoute` hook). */
export function prependPreValidation(route: RouteOptions, hook: preValidationHookHandler): void {
  const own = route.preValidation;
  route.preValidation = own === undefined ? [hook] : [hook, ...(Array.isArray(own) ? own : [own])];
}
