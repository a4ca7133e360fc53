import type { SettingResult } from './json-settings.ts';

/**
 * CORS_ALLOWED_ORIGINS: comma-separated exact origins (`https://app.example.com`, `http://localhost:5173`).
 * A browser sends its Origin as scheme://host[:port] with no path, in lower case and without the default
 * port, and the list is compared with it byte for byte: an entry in any other form could never match, so
 * it is refused at start-up instead of silently never applying. No wildcard (`*`) and no `null` origin.
 */
export function parseCorsOrigins(text: string | undefined): SettingResult<string[]> {
  const entries = (text ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of entries) {
    const problem = originProblem(entry);
    if (problem) return { ok: false, reason: `${JSON.stringify(entry)} ${problem}` };
  }
  return { ok: true, value: [...new Set(entries)] };
}

function originProblem(entry: string): string | null {
  if (entry === '*') return 'is a wildcard: list each origin exactly (e.g. https://app.example.com)';
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return 'is not an origin: scheme://host[:port], e.g. https://app.example.com';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'is not an http(s) origin';
  if (url.origin !== entry) return `is not written as a browser sends it: ${url.origin} (no path or trailing slash, lower case, no default port)`;
  return null;
}
