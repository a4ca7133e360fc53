import type { AcademyFields } from '../domain/academy.ts';
import type { AcademyRepository } from './ports/academy-repository.ts';

/** Fills an empty catalogue with the bundled examples (embedded default only); returns how many were added. */
export async function seedAcademiesIfEmpty(
  academies: AcademyRepository,
  loadExamples: () => Promise<readonly AcademyFields[]>,
): Promise<number> {
  if ((await academies.count()) > 0) return 0;
  const examples = await loadExamples();
  for (const fields of examples) await academies.insert(fields);
  return examples.length;
}
