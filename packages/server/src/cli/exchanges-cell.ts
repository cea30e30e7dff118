import { TruceError } from '@truce/core';
import { AccountsRepository } from '../accounts/accounts-repository.js';
import type { RequestOrigin } from '../accounts/accounts-service.js';
import { actorOutsideHttp } from '../accounts/model.js';
import { OrgKeys } from '../accounts/org-keys.js';
import { AuditLog } from '../audit/audit-log.js';
import { Ledger, readLogIdentity } from '../ledger/index.js';
import { loadKek } from '../persons/data-keys.js';
import { PersonsService } from '../persons/persons-service.js';
import { authorize } from '../policies/authorize.js';
import type { Action } from '../policies/matrix.js';
import { AgreementsService } from '../routes/agreements/agreements-service.js';
import { EventsService } from '../routes/events/events-service.js';
import { ExchangesService } from '../routes/exchanges/exchanges-service.js';
import { sqlDriverOf } from '../store/index.js';
import type { CliIo } from './io.js';
import { withStore } from './ledger-options.js';

/** The cell's exchange and person-data services over a data folder, acting as one user. */
export interface ExchangesCell {
  origin: RequestOrigin;
  exchanges: ExchangesService;
  persons: PersonsService;
  audit: AuditLog;
}

export const userHelp = `  --user EMAIL     the account you act as (truce users create): its role and
                   permissions decide what you may do, as in the API, and the audit
                   log names it`;

/**
 * Opens the store and the ledger of `dataDir`, finds the user `email`, checks each action against
 * the policy exactly as the API does for that user's role and permissions, and runs `work`. The
 * CLI has no session: whoever runs it with access to the data folder says whom they act as, and
 * every refusal and every read is in the audit log under that user ("cli" in place of an IP).
 */
export async function withCellAs<T>(
  dataDir: string,
  io: CliIo,
  email: string | undefined,
  action: Action | readonly Action[],
  work: (cell: ExchangesCell) => Promise<T>,
): Promise<T> {
  if (!email) {
    throw new TruceError(
      'USAGE',
      'say whom you act as with --user EMAIL (an account of the cell: truce users create)',
    );
  }
  const identity = readLogIdentity(dataDir);
  return withStore(dataDir, io, async (store) => {
    const db = sqlDriverOf(store);
    if (!db) throw new TruceError('USAGE', 'exchanges need a PGlite or PostgreSQL store');
    const found = await new AccountsRepository(db).userByEmail(email);
    if (!found) {
      throw new TruceError(
        'NOT_FOUND',
        `no user ${email} in this cell; check the address, or create the account with truce users create`,
      );
    }
    const clock = () => io.now();
    const audit = new AuditLog(db);
    // A session-like actor: the CLI is used interactively, by a person, never as an API token.
    const origin: RequestOrigin = {
      actor: actorOutsideHttp(found.user, clock().toISOString()),
      ip: 'cli',
    };
    const actions: readonly Action[] = typeof action === 'string' ? [action] : action;
    for (const action of actions) {
      try {
        authorize(origin.actor, action);
      } catch (error) {
        await audit.append({
          at: clock().toISOString(),
          actor: found.user.id,
          actorOrg: found.user.orgId,
          action: 'access.denied',
          target: `cli ${action}`,
          outcome: 'denied',
          ip: 'cli',
          details: { policyAction: action, reason: (error as Error).message },
        });
        throw error;
      }
    }
    const ledger = await Ledger.open(store, identity, { now: clock });
    try {
      const agreements = new AgreementsService(db, audit, clock);
      const events = new EventsService(ledger, new OrgKeys(dataDir, ledger), audit, clock);
      return await work({
        origin,
        exchanges: new ExchangesService({ store, agreements, events, clock }),
        persons: new PersonsService(db, audit, () => loadKek(dataDir, io.env), clock),
        audit,
      });
    } finally {
      await ledger.close();
    }
  });
}
