// The generated SDK (openapi/sdk/) names the DOM's global `BodyInit`, which this Node-only project
// (lib ES2023, no DOM) does not declare; Node's fetch takes the same type, from undici-types.
import type { BodyInit as UndiciBodyInit } from 'undici-types';

declare global {
  type BodyInit = UndiciBodyInit;
}
