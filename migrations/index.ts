import type { Migration } from 'kysely';
import * as academies0001 from './0001_academies.ts';
import * as checkoutIntents0002 from './0002_checkout_intents.ts';
import * as catalogueVersion0003 from './0003_catalogue_version.ts';
import * as enterpriseReservations0004 from './0004_enterprise_reservations.ts';
import * as checkoutSessions0005 from './0005_checkout_sessions.ts';
import * as priceGeneration0006 from './0006_price_generation.ts';
import * as reconcileExpiredIntents0007 from './0007_reconcile_expired_intents.ts';
import * as reservationKeyUnicodeSpaces0008 from './0008_reservation_key_unicode_spaces.ts';

// Static imports, not a FileMigrationProvider: the same list works under tsx
// and after `tsc`, and bundlers cannot lose a file. Keys sort in apply order;
// append new migrations at the end.
export const migrations: Record<string, Migration> = {
  '0001_academies': academies0001,
  '0002_checkout_intents': checkoutIntents0002,
  '0003_catalogue_version': catalogueVersion0003,
  '0004_enterprise_reservations': enterpriseReservations0004,
  '0005_checkout_sessions': checkoutSessions0005,
  '0006_price_generation': priceGeneration0006,
  '0007_reconcile_expired_intents': reconcileExpiredIntents0007,
  '0008_reservation_key_unicode_spaces': reservationKeyUnicodeSpaces0008,
};
