/**
 * The software bill of materials of truce (CycloneDX 1.5, from the lockfile by `npm sbom`),
 * written to `sbom.cdx.json` for a release or an operator's scanner. Build and test tools are
 * in it too: `npm sbom --omit dev` leaves out `yaml`, which the core needs at run time, because
 * a dev tool (vite) also lists it — found by the check below, which every SBOM written must
 * pass: each runtime dependency a workspace declares appears with the version the lockfile pins
 * (an SBOM that missed one would let a vulnerable package go unseen). `.ci/run` runs it.
 *
 *   npm run sbom [-- --out FILE]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'sbom.cdx.json' } } });
const text = execFileSync('npm', ['sbom', '--sbom-format', 'cyclonedx'], {
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
const sbom = JSON.parse(text) as {
  bomFormat?: string;
  components?: { name: string; version: string; group?: string }[];
};
if (sbom.bomFormat !== 'CycloneDX' || !Array.isArray(sbom.components)) {
  throw new Error('npm sbom did not answer a CycloneDX document');
}
const listed = new Set(
  sbom.components.map((c) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`),
);
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<string, { version?: string; dependencies?: Record<string, string> }>;
};
const missing: string[] = [];
for (const [path, entry] of Object.entries(lock.packages)) {
  // The workspaces themselves: '' (the root) and 'packages/…'.
  if (path !== '' && !path.startsWith('packages/')) continue;
  for (const name of Object.keys(entry.dependencies ?? {})) {
    if (name.startsWith('@truce/')) continue;
    const pinned = lock.packages[`node_modules/${name}`]?.version;
    if (!pinned || !listed.has(`${name}@${pinned}`)) missing.push(`${name}@${pinned ?? '?'}`);
  }
}
if (missing.length > 0) {
  throw new Error(`the SBOM misses runtime dependencies: ${missing.join(', ')}`);
}
writeFileSync(values.out, text);
console.log(`wrote ${values.out}: ${sbom.components.length} components`);
