/** An item the sync skipped, and why (spec §4). `item` names it: position, uuid and name when known. */
export interface InvalidItemReport {
  readonly item: string;
  readonly reason: string;
}

/** What one sync did, or (dry run) would do. Keys are the JSON contract of the CLI and the admin endpoint. */
export interface SyncReport {
  readonly dry_run: boolean;
  /** Items received from the catalog, all pages merged. */
  readonly fetched: number;
  /** Items left out by the allowlists. */
  readonly filtered_out: number;
  /** Items skipped: not normalizable, or colliding with another academy; in upstream order. */
  readonly invalid: InvalidItemReport[];
  /** Values ignored while normalizing (overrides, mappings, cosmetic fields), each prefixed with its item. */
  readonly warnings: string[];
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly deactivated: number;
}
