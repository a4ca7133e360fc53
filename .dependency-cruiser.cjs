/** The architecture's boundaries, executable: `npm run boundaries` (part of `npm run check`). */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain/ imports nothing outside itself: no frameworks, no node built-ins, no other layer.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: '^src/domain/' },
    },
    {
      name: 'application-sees-no-adapters',
      comment: 'Use cases depend on ports, never on adapters or npm packages.',
      severity: 'error',
      from: { path: '^src/application/' },
      to: { pathNot: '^src/(application|domain)/' },
    },
    {
      name: 'adapters-do-not-import-each-other',
      comment: 'One adapter never reaches into another; the composition root wires them.',
      severity: 'error',
      from: { path: '^src/adapters/([^/]+)/' },
      to: { path: '^src/adapters/([^/]+)/', pathNot: '^src/adapters/$1/' },
    },
    {
      name: 'only-the-root-wires-adapters',
      comment: 'Only composition-root.ts and the command line (main.ts, cli/) import adapters.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(adapters/|cli/|composition-root\\.ts$|main\\.ts$)' },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
