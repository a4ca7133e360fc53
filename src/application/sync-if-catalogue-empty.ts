import type { AcademyRepository } from './ports/academy-repository.ts';
import type { SyncAcademies, SyncReport } from './sync-academies.ts';

/**
 * The embedded default's first start (spec §7): fill an empty catalogue through the
 * regular sync; a catalogue that has academies is left alone, so restarts never re-sync.
 * Returns null when nothing was attempted.
 */
export async function syncIfCatalogueEmpty(academies: AcademyRepository, sync: SyncAcademies): Promise<SyncReport | null> {
  if ((await academies.count()) > 0) return null;
  return sync();
}
