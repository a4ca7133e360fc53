/** An academy as this service stores it (spec §1). Unset optional keys are null, never ''. */
export interface Academy {
  readonly uuid: string;
  readonly catalogAcademyUuid: string | null;
  readonly name: string;
  readonly longName: string;
  readonly description: string;
  readonly marketingUrl: string;
  readonly thumbnailUrl: string;
  readonly tags: readonly string[];
  readonly stripeProductId: string;
  readonly stripePriceLookupKey: string | null;
  readonly catalogQueryId: number | null;
  readonly productKey: string | null;
  readonly slug: string | null;
  readonly isActive: boolean;
  readonly displayOrder: number;
  readonly created: Date;
  readonly modified: Date;
}

/** The fields a caller supplies; the service generates uuid and timestamps. */
export type AcademyFields = Omit<Academy, 'uuid' | 'created' | 'modified'>;

export const ACADEMY_FIELD_DEFAULTS: Omit<AcademyFields, 'name'> = {
  catalogAcademyUuid: null,
  longName: '',
  description: '',
  marketingUrl: '',
  thumbnailUrl: '',
  tags: [],
  stripeProductId: '',
  stripePriceLookupKey: null,
  catalogQueryId: null,
  productKey: null,
  slug: null,
  isActive: true,
  displayOrder: 0,
};

/** `id` in responses: the first non-empty of stripe_product_id, product_key, slug, uuid. */
export function publicIdentifier(academy: Pick<Academy, 'stripeProductId' | 'productKey' | 'slug' | 'uuid'>): string {
  return academy.stripeProductId || academy.productKey || academy.slug || academy.uuid;
}

const ABSOLUTE_HTTP_URL = /^https?:\/\//i;

/** A stored thumbnail is either an absolute URL or a path under the configured base. */
export function resolveThumbnailUrl(stored: string, baseUrl: string): string {
  if (stored === '' || ABSOLUTE_HTTP_URL.test(stored) || baseUrl === '') return stored;
  return `${baseUrl.replace(/\/+$/, '')}/${stored.replace(/^\/+/, '')}`;
}

/** Default ordering everywhere: display_order, then name, then uuid. */
export function compareAcademies(a: Academy, b: Academy): number {
  return a.displayOrder - b.displayOrder || compareText(a.name, b.name) || compareText(a.uuid, b.uuid);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
