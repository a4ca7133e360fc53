// Both schemes are accepted because the original service's clients send `JWT <token>`
// and generated OpenAPI clients send `Bearer <token>`.
const AUTHORIZATION = /^(?:jwt|bearer)[ \t]+([A-Za-z0-9\-._~+/]+=*)$/i;

/** The token of an `Authorization: JWT <token>` or `Bearer <token>` header, else null. */
export function parseAuthorizationHeader(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = AUTHORIZATION.exec(header.trim());
  return match?.[1] ?? null;
}
