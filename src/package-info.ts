// A JSON import: tsc copies package.json into the build output next to src/, so the built image needs no lookup.
import packageJson from '../package.json' with { type: 'json' };

/** The released version (package.json), shown by `--version` and the OpenAPI document. */
export const PACKAGE_VERSION: string = packageJson.version;
