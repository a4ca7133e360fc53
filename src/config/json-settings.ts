/** Settings that arrive as JSON in the environment (spec §4: lists may also be comma-separated). */

export type SettingResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parseList(text: string): SettingResult<string[]> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: [] };
  if (!trimmed.startsWith('[')) {
    return { ok: true, value: trimmed.split(',').map((part) => part.trim()).filter((part) => part !== '') };
  }
  const parsed = parseJson(trimmed);
  if (!parsed.ok) return parsed;
  if (!Array.isArray(parsed.value) || !parsed.value.every((entry) => typeof entry === 'string')) {
    return { ok: false, reason: 'must be a JSON array of strings or a comma-separated list' };
  }
  return { ok: true, value: parsed.value.map((entry: string) => entry.trim()).filter((entry) => entry !== '') };
}

export function parseObject(text: string): SettingResult<Record<string, unknown>> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: {} };
  const parsed = parseJson(trimmed);
  if (!parsed.ok) return parsed;
  if (!isPlainObject(parsed.value)) return { ok: false, reason: 'must be a JSON object' };
  return { ok: true, value: parsed.value };
}

export function parseObjectOfObjects(text: string): SettingResult<Record<string, Record<string, unknown>>> {
  const parsed = parseObject(text);
  if (!parsed.ok) return parsed;
  for (const [key, entry] of Object.entries(parsed.value)) {
    if (!isPlainObject(entry)) return { ok: false, reason: `entry ${JSON.stringify(key)} must be a JSON object` };
  }
  return parsed as SettingResult<Record<string, Record<string, unknown>>>;
}

function parseJson(text: string): SettingResult<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'is not valid JSON' };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
