/**
 * "Verify in your browser": checks a truce ledger with WebCrypto alone, trusting only the log
 * key the user pinned. Pure and dependency-free (no node:, no Buffer); see verify.ts.
 *
 *   const ledger = await fetchLedger();
 *   const report = await verifyLedger({ logKey, ...ledger, onProgress });
 */

export {
  type FetchedLedger,
  FetchLedgerError,
  type FetchLedgerOptions,
  type FetchLike,
  fetchLedger,
} from './fetch-ledger.js';
export type { KeyListing } from './registry.js';
export {
  type CosignatureInput,
  type Problem,
  type ProblemCode,
  type VerifyInput,
  type VerifyReport,
  verifyLedger,
} from './verify.js';
export { checkSupport, UnsupportedEnvironmentError } from './webcrypto.js';
