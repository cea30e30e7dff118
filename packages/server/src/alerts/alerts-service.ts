import { randomUUID } from 'node:crypto';
import { type Evaluation, isTruceError, TruceError } from '@truce/core';
import { AccountsRepository } from '../accounts/accounts-repository.js';
import { type Actor, actorOutsideHttp, type User } from '../accounts/model.js';
import { isoOf, numberOf } from '../accounts/rows.js';
import type { AppContext } from '../http/context.js';
import { decide } from '../policies/authorize.js';
import { noticesOf } from '../routes/notices/notices-service.js';
import { decodeEntry } from '../routes/status/status-service.js';
import type { SqlExecutor } from '../store/index.js';
import { actionOf, conditionsOf, type Found, type NewEvent, type World } from './conditions.js';
import { type AlertRule, alertRule, type QuietHours, quietHours, quietUntil } from './rules.js';
import type { Mailer } from './smtp.js';
import { newWebhookSecret, postWebhook } from './webhook.js';
import { WebhookTargets } from './webhook-targets.js';

export interface AlertsOptions {
  /** The first retry of a failed delivery waits this long; each further one twice as long. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** A delivery is given up after this many attempts. */
  maxAttempts: number;
  /** A subscription's webhook is switched off after this many failed attempts in a row. */
  disableAfterFailures: number;
  timeoutMs: number;
  /** How often the background worker ticks (ms) once the server listens; 0: never. */
  pollMs: number;
  mailer: Mailer | undefined;
  /** Where webhooks may go (`TRUCE_WEBHOOK_ALLOW`); by default public https addresses only. */
  webhookTargets: WebhookTargets;
}

export const defaultAlertsOptions: AlertsOptions = {
  retryBaseMs: 30_000,
  retryMaxMs: 6 * 3_600_000,
  maxAttempts: 10,
  disableAfterFailures: 8,
  timeoutMs: 10_000,
  pollMs: 5_000,
  mailer: undefined,
  webhookTargets: new WebhookTargets(),
};

export interface Subscription {
  id: string;
  ownerUser: string;
  ownerOrg: string;
  scope: 'user' | 'org';
  name: string;
  rule: AlertRule;
  webhookUrl: string | null;
  webhookSecret: string | null;
  email: string | null;
  quietHours: QuietHours | null;
  createdAt: string;
  webhookFailures: number;
  webhookDisabledAt: string | null;
  webhookDisabledWhy: string | null;
}

export interface AlertRecord {
  id: number;
  subscriptionId: string;
  subscriptionName: string;
  conditionKey: string;
  title: string;
  body: Record<string, unknown>;
  raisedAt: string;
  readAt: string | null;
}

export interface DeliveryRecord {
  id: number;
  alertId: number;
  channel: 'webhook' | 'email';
  target: string;
  state: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempts: number;
  nextAttemptAt: string;
  createdAt: string;
  deliveredAt: string | null;
  lastError: string | null;
  log: { at: string; statusCode: number | null; error: string | null; durationMs: number }[];
}

interface SubscriptionRow {
  id: string;
  owner_user: string;
  owner_org: string;
  scope: string;
  name: string;
  rule: unknown;
  webhook_url: string | null;
  webhook_secret: string | null;
  email: string | null;
  quiet_hours: unknown;
  created_at: unknown;
  webhook_failures: unknown;
  webhook_disabled_at: unknown;
  webhook_disabled_why: string | null;
}

const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

function toSubscription(row: SubscriptionRow): Subscription {
  const hours = json(row.quiet_hours);
  return {
    id: row.id,
    ownerUser: row.owner_user,
    ownerOrg: row.owner_org,
    scope: row.scope as 'user' | 'org',
    name: row.name,
    rule: alertRule.parse(json(row.rule)),
    webhookUrl: row.webhook_url,
    webhookSecret: row.webhook_secret,
    email: row.email,
    quietHours: hours === null || hours === undefined ? null : quietHours.parse(hours),
    createdAt: isoOf(row.created_at),
    webhookFailures: numberOf(row.webhook_failures),
    webhookDisabledAt: row.webhook_disabled_at === null ? null : isoOf(row.webhook_disabled_at),
    webhookDisabledWhy: row.webhook_disabled_why,
  };
}

// Authenticated at the epoch: were the fresh-session rule ever to read it, never recent.
const sessionOf = (user: User): Actor => actorOutsideHttp(user, new Date(0).toISOString());

/**
 * Alerts: subscriptions, the worker that raises alerts from the ledger and the clock, and their
 * delivery (the dashboard, signed webhooks with retries, e-mail).
 *
 * The worker follows the ledger by sequence number from a cursor row. It reads and evaluates
 * outside any transaction (on PGlite a transaction holds the only connection), then, in one
 * transaction, locks the cursor row, checks that no other process moved it meanwhile, records
 * the alerts and moves the cursor. Two processes on one database therefore never raise the same
 * alert twice, and a restart resumes from the last committed tick. A condition that holds (an
 * obligation at risk) is raised once, when it starts to hold, and not again until it has
 * cleared; one that happens (an incident) once per ledger position.
 */
export class AlertsService {
  readonly #ctx: AppContext;
  readonly #accounts: AccountsRepository;
  readonly options: AlertsOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #active = false;

  constructor(ctx: AppContext, options: Partial<AlertsOptions> = {}) {
    this.#ctx = ctx;
    this.#accounts = new AccountsRepository(ctx.db);
    this.options = { ...defaultAlertsOptions, ...options };
  }

  // ---- subscriptions ------------------------------------------------------------------------

  async subscribe(
    actor: Actor,
    input: {
      name: string;
      rule: AlertRule;
      scope: 'user' | 'org';
      webhookUrl?: string | undefined;
      email?: string | undefined;
      quietHours?: QuietHours | undefined;
    },
  ): Promise<{ subscription: Subscription; webhookSecret: string | null }> {
    if (actor.kind === 'anonymous') throw new TruceError('UNAUTHENTICATED', 'log in first');
    const decision = decide(actor, actionOf(input.rule));
    if (!decision.allowed) {
      throw new TruceError(
        'FORBIDDEN',
        `an alert of kind ${input.rule.kind} reads what your role may not see (${actionOf(input.rule)}); ask a mediator`,
      );
    }
    if (input.scope === 'org' && actor.user.role !== 'mediator') {
      // Anyone in the organisation reads its alerts; only a mediator decides what they are.
      throw new TruceError('FORBIDDEN', 'only a mediator subscribes for a whole organisation');
    }
    if (input.webhookUrl) {
      const problem = this.options.webhookTargets.urlProblem(input.webhookUrl);
      if (problem) {
        throw new TruceError('USAGE', `webhookUrl: ${problem}`, [
          { path: 'webhookUrl', message: problem },
        ]);
      }
    }
    if (input.email && !this.options.mailer) {
      throw new TruceError(
        'USAGE',
        'e-mail is not configured on this server (TRUCE_SMTP_URL); use the dashboard or a webhook',
        [{ path: 'email', message: 'no SMTP server configured' }],
      );
    }
    const secret = input.webhookUrl ? newWebhookSecret() : null;
    const id = randomUUID();
    const [row] = await this.#ctx.db.query<SubscriptionRow>(
      `INSERT INTO alert_subscriptions
         (id, owner_user, owner_org, scope, name, rule, webhook_url, webhook_secret, email, quiet_hours, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
      [
        id,
        actor.user.id,
        actor.user.orgId,
        input.scope,
        input.name,
        JSON.stringify(input.rule),
        input.webhookUrl ?? null,
        secret,
        input.email ?? null,
        input.quietHours ? JSON.stringify(input.quietHours) : null,
        this.#ctx.clock().toISOString(),
      ],
    );
    await this.#audit(actor, 'alerts.subscribe', id, { kind: input.rule.kind, scope: input.scope });
    return { subscription: toSubscription(row!), webhookSecret: secret };
  }

  /** The user's own subscriptions and their organisation's. */
  async subscriptions(actor: Actor): Promise<Subscription[]> {
    if (actor.kind === 'anonymous') return [];
    const rows = await this.#ctx.db.query<SubscriptionRow>(
      `SELECT * FROM alert_subscriptions
        WHERE deleted_at IS NULL AND (owner_user = $1 OR (scope = 'org' AND owner_org = $2))
        ORDER BY created_at`,
      [actor.user.id, actor.user.orgId],
    );
    return rows.map(toSubscription);
  }

  async #owned(actor: Actor, id: string): Promise<Subscription> {
    const found = (await this.subscriptions(actor)).find((s) => s.id === id);
    if (!found) throw new TruceError('NOT_FOUND', `no subscription ${id} of yours`);
    if (actor.kind === 'anonymous') throw new TruceError('UNAUTHENTICATED', 'log in first');
    if (found.ownerUser !== actor.user.id && actor.user.role !== 'mediator') {
      throw new TruceError(
        'FORBIDDEN',
        "your organisation's subscriptions are a mediator's to change",
      );
    }
    return found;
  }

  async unsubscribe(actor: Actor, id: string): Promise<void> {
    await this.#owned(actor, id);
    const now = this.#ctx.clock().toISOString();
    await this.#ctx.db.transaction(async (tx) => {
      await tx.query('UPDATE alert_subscriptions SET deleted_at = $2 WHERE id = $1', [id, now]);
      await tx.query(
        `UPDATE alert_deliveries SET state = 'cancelled' WHERE subscription_id = $1 AND state = 'pending'`,
        [id],
      );
    });
    await this.#audit(actor, 'alerts.unsubscribe', id, {});
  }

  /** Switches a webhook that was disabled after failures back on (the receiver is fixed). */
  async enableWebhook(actor: Actor, id: string): Promise<Subscription> {
    await this.#owned(actor, id);
    const [row] = await this.#ctx.db.query<SubscriptionRow>(
      `UPDATE alert_subscriptions
          SET webhook_failures = 0, webhook_disabled_at = NULL, webhook_disabled_why = NULL
        WHERE id = $1 RETURNING *`,
      [id],
    );
    await this.#audit(actor, 'alerts.webhook.enable', id, {});
    return toSubscription(row!);
  }

  // ---- alerts -------------------------------------------------------------------------------

  /** Whether the actor may see what the subscription's rule reads, now. */
  #mayRead(actor: Actor, subscription: Subscription): boolean {
    return decide(actor, actionOf(subscription.rule)).allowed;
  }

  async alerts(
    actor: Actor,
    query: { unread?: boolean; limit: number; before?: number | undefined },
  ): Promise<{ alerts: AlertRecord[]; unread: number }> {
    const subscriptions = (await this.subscriptions(actor)).filter((s) => this.#mayRead(actor, s));
    if (subscriptions.length === 0) return { alerts: [], unread: 0 };
    const ids = subscriptions.map((s) => s.id);
    const names = new Map(subscriptions.map((s) => [s.id, s.name]));
    const rows = await this.#ctx.db.query<{
      id: unknown;
      subscription_id: string;
      condition_key: string;
      title: string;
      body: unknown;
      raised_at: unknown;
      read_at: unknown;
    }>(
      `SELECT * FROM alerts
        WHERE subscription_id = ANY($1::uuid[])
          ${query.unread ? 'AND read_at IS NULL' : ''}
          AND ($2::bigint IS NULL OR id < $2)
        ORDER BY id DESC LIMIT $3`,
      [ids, query.before ?? null, query.limit],
    );
    const [count] = await this.#ctx.db.query<{ n: unknown }>(
      'SELECT count(*) AS n FROM alerts WHERE subscription_id = ANY($1::uuid[]) AND read_at IS NULL',
      [ids],
    );
    return {
      alerts: rows.map((row) => ({
        id: numberOf(row.id),
        subscriptionId: row.subscription_id,
        subscriptionName: names.get(row.subscription_id) ?? '',
        conditionKey: row.condition_key,
        title: row.title,
        body: json(row.body) as Record<string, unknown>,
        raisedAt: isoOf(row.raised_at),
        readAt: row.read_at === null ? null : isoOf(row.read_at),
      })),
      unread: numberOf(count?.n ?? 0),
    };
  }

  async markRead(actor: Actor, ids: number[] | 'all'): Promise<number> {
    const subscriptions = (await this.subscriptions(actor)).filter((s) => this.#mayRead(actor, s));
    if (subscriptions.length === 0) return 0;
    const rows = await this.#ctx.db.query<{ id: unknown }>(
      `UPDATE alerts SET read_at = $1
        WHERE read_at IS NULL AND subscription_id = ANY($2::uuid[])
          ${ids === 'all' ? '' : 'AND id = ANY($3::bigint[])'}
        RETURNING id`,
      ids === 'all'
        ? [this.#ctx.clock().toISOString(), subscriptions.map((s) => s.id)]
        : [this.#ctx.clock().toISOString(), subscriptions.map((s) => s.id), ids],
    );
    return rows.length;
  }

  /** The delivery log of a subscription: every delivery and each of its attempts. */
  async deliveries(actor: Actor, subscriptionId: string, limit: number): Promise<DeliveryRecord[]> {
    await this.#owned(actor, subscriptionId);
    const rows = await this.#ctx.db.query<Record<string, unknown>>(
      'SELECT * FROM alert_deliveries WHERE subscription_id = $1 ORDER BY id DESC LIMIT $2',
      [subscriptionId, limit],
    );
    const attempts = await this.#ctx.db.query<Record<string, unknown>>(
      'SELECT * FROM alert_delivery_attempts WHERE delivery_id = ANY($1::bigint[]) ORDER BY id',
      [rows.map((r) => numberOf(r.id))],
    );
    return rows.map((row) => ({
      id: numberOf(row.id),
      alertId: numberOf(row.alert_id),
      channel: row.channel as 'webhook' | 'email',
      target: row.target as string,
      state: row.state as DeliveryRecord['state'],
      attempts: numberOf(row.attempts),
      nextAttemptAt: isoOf(row.next_attempt_at),
      createdAt: isoOf(row.created_at),
      deliveredAt: row.delivered_at === null ? null : isoOf(row.delivered_at),
      lastError: (row.last_error as string | null) ?? null,
      log: attempts
        .filter((a) => numberOf(a.delivery_id) === numberOf(row.id))
        .map((a) => ({
          at: isoOf(a.at),
          statusCode: a.status_code === null ? null : numberOf(a.status_code),
          error: (a.error as string | null) ?? null,
          durationMs: numberOf(a.duration_ms),
        })),
    }));
  }

  // ---- the worker ---------------------------------------------------------------------------

  /** Starts ticking in the background (the server does once it listens). */
  start(): void {
    if (this.options.pollMs <= 0 || this.#active) return;
    this.#active = true;
    const run = () => {
      this.#running = this.runOnce()
        .catch((error: unknown) => {
          // A tick that fails (the database away for a moment) is retried at the next one.
          if (this.#active) console.error('alerts worker:', error);
        })
        .finally(() => {
          if (!this.#active || this.#ctx.closing.aborted) return;
          this.#timer = setTimeout(run, this.options.pollMs);
          this.#timer.unref();
        });
    };
    this.#timer = setTimeout(run, this.options.pollMs);
    this.#timer.unref();
  }

  /** Stops the background ticks; resolves once a tick in progress has finished. */
  async stop(): Promise<void> {
    this.#active = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One tick and one round of deliveries. */
  async runOnce(): Promise<{ raised: number; attempted: number }> {
    const { raised } = await this.tick();
    const attempted = await this.deliver();
    return { raised, attempted };
  }

  /**
   * Reads the ledger from the cursor, evaluates every subscription's rule, and records the new
   * alerts and the cursor together. Returns how many alerts it raised (0 when another process
   * ticked in between: its alerts stand, and the next tick starts from where it left).
   */
  async tick(): Promise<{ raised: number; nextSeq: number }> {
    const db = this.#ctx.db;
    const [cursor] = await db.query<{ next_seq: unknown }>(
      "SELECT next_seq FROM alert_cursor WHERE name = 'alerts'",
    );
    const seen = numberOf(cursor?.next_seq ?? -1);
    const size = await this.#ctx.store.size();
    // The first tick starts at the end of the log: history does not page anyone.
    const from = seen < 0 ? size : seen;
    const entries = from < size ? await this.#ctx.store.entries(from, 1000) : [];
    const nextSeq = entries.length > 0 ? entries.at(-1)!.seq + 1 : from;
    const newEvents: NewEvent[] = entries.map((entry) => ({
      seq: entry.seq,
      event: decodeEntry(entry).event as NewEvent['event'],
    }));
    const world = await this.#world(newEvents);
    const subscriptions = (
      await db.query<SubscriptionRow>('SELECT * FROM alert_subscriptions WHERE deleted_at IS NULL')
    ).map(toSubscription);
    const found = new Map<string, Found>();
    for (const subscription of subscriptions) {
      const owner = await this.#accounts.user(subscription.ownerUser);
      // The same policies as the API, checked at every tick: a role taken away stops the alerts.
      if (
        !owner ||
        owner.disabled ||
        !decide(sessionOf(owner), actionOf(subscription.rule)).allowed
      )
        continue;
      found.set(subscription.id, conditionsOf(subscription.rule, world, owner.orgId));
    }
    const now = this.#ctx.clock();
    let raised = 0;
    await db.transaction(async (tx) => {
      const [locked] = await tx.query<{ next_seq: unknown }>(
        "SELECT next_seq FROM alert_cursor WHERE name = 'alerts' FOR UPDATE",
      );
      if (numberOf(locked?.next_seq ?? -1) !== seen) return;
      for (const subscription of subscriptions) {
        const result = found.get(subscription.id);
        if (!result) continue;
        raised += await this.#record(tx, subscription, result, now);
      }
      await tx.query(
        "UPDATE alert_cursor SET next_seq = $1, ticked_at = $2 WHERE name = 'alerts'",
        [nextSeq, now.toISOString()],
      );
    });
    return { raised, nextSeq };
  }

  async #world(newEvents: NewEvent[]): Promise<World> {
    let evaluation: Evaluation | null = null;
    try {
      evaluation = (await this.#ctx.status.evaluation()).evaluation;
    } catch (error) {
      // No agreement uploaded yet: only ledger-driven rules can fire.
      if (!isTruceError(error)) throw error;
    }
    const realNow = this.#ctx.clock().getTime();
    const now = this.#ctx.domainClock().getTime();
    const notices = await noticesOf(this.#ctx).fold(now);
    const latest = await this.#ctx.store.latestCheckpoint();
    const cosigners = latest
      ? (await this.#ctx.store.cosignatures(latest.size)).map((c) => c.witness)
      : [];
    return {
      now,
      realNow,
      evaluation,
      notices,
      newEvents,
      checkpoint: latest ? { size: latest.size, savedAt: latest.savedAt, cosigners } : null,
    };
  }

  async #record(
    tx: SqlExecutor,
    subscription: Subscription,
    found: Found,
    now: Date,
  ): Promise<number> {
    let raised = 0;
    const active = new Set(
      (
        await tx.query<{ condition_key: string }>(
          'SELECT condition_key FROM alert_conditions WHERE subscription_id = $1',
          [subscription.id],
        )
      ).map((r) => r.condition_key),
    );
    const holding = new Set(found.holding.map((c) => c.key));
    for (const key of active) {
      if (!holding.has(key)) {
        await tx.query(
          'DELETE FROM alert_conditions WHERE subscription_id = $1 AND condition_key = $2',
          [subscription.id, key],
        );
      }
    }
    for (const condition of found.holding) {
      if (active.has(condition.key)) continue;
      await tx.query(
        'INSERT INTO alert_conditions (subscription_id, condition_key, since) VALUES ($1, $2, $3)',
        [subscription.id, condition.key, now.toISOString()],
      );
      if (await this.#raise(tx, subscription, condition, now.toISOString(), now)) raised++;
    }
    for (const condition of found.happened) {
      if (await this.#raise(tx, subscription, condition, String(condition.seq), now)) raised++;
    }
    return raised;
  }

  /** One alert (unless this occurrence was already raised) and its deliveries. */
  async #raise(
    tx: SqlExecutor,
    subscription: Subscription,
    condition: { key: string; title: string; body: Record<string, unknown> },
    occurrence: string,
    now: Date,
    channels: { webhook: boolean } = { webhook: true },
  ): Promise<boolean> {
    const [alert] = await tx.query<{ id: unknown }>(
      `INSERT INTO alerts (subscription_id, condition_key, occurrence, title, body, raised_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (subscription_id, condition_key, occurrence) DO NOTHING RETURNING id`,
      [
        subscription.id,
        condition.key,
        occurrence,
        condition.title,
        JSON.stringify(condition.body),
        now.toISOString(),
      ],
    );
    if (!alert) return false;
    const sendAt = new Date(quietUntil(subscription.quietHours, now.getTime()) ?? now.getTime());
    const targets: ['webhook' | 'email', string][] = [];
    if (channels.webhook && subscription.webhookUrl && subscription.webhookDisabledAt === null)
      targets.push(['webhook', subscription.webhookUrl]);
    if (subscription.email && this.options.mailer) targets.push(['email', subscription.email]);
    for (const [channel, target] of targets) {
      await tx.query(
        `INSERT INTO alert_deliveries
           (alert_id, subscription_id, channel, target, state, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, 'pending', $5, $6)`,
        [alert.id, subscription.id, channel, target, sendAt.toISOString(), now.toISOString()],
      );
    }
    return true;
  }

  /**
   * Sends the deliveries that are due. Each is claimed first (its next attempt moved past the
   * timeout, in one statement that skips rows another process holds), then sent outside any
   * transaction, then its outcome recorded: so two processes never send the same attempt.
   */
  async deliver(): Promise<number> {
    const now = this.#ctx.clock();
    const lease = new Date(now.getTime() + this.options.timeoutMs * 3);
    const claimed = await this.#ctx.db.transaction((tx) =>
      tx.query<Record<string, unknown>>(
        `UPDATE alert_deliveries SET next_attempt_at = $2
          WHERE id IN (SELECT id FROM alert_deliveries
                        WHERE state = 'pending' AND next_attempt_at <= $1
                        ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
        [now.toISOString(), lease.toISOString()],
      ),
    );
    for (const row of claimed) await this.#attempt(row, now);
    return claimed.length;
  }

  async #attempt(row: Record<string, unknown>, now: Date): Promise<void> {
    const db = this.#ctx.db;
    const deliveryId = numberOf(row.id);
    const [subscriptionRow] = await db.query<SubscriptionRow>(
      'SELECT * FROM alert_subscriptions WHERE id = $1',
      [row.subscription_id],
    );
    const [alertRow] = await db.query<Record<string, unknown>>(
      'SELECT * FROM alerts WHERE id = $1',
      [row.alert_id],
    );
    if (!subscriptionRow || !alertRow) return;
    const subscription = toSubscription(subscriptionRow);
    const alert = {
      id: numberOf(alertRow.id),
      title: alertRow.title as string,
      body: json(alertRow.body) as Record<string, unknown>,
      raisedAt: isoOf(alertRow.raised_at),
      condition: alertRow.condition_key as string,
    };
    let result: {
      ok: boolean;
      statusCode: number | null;
      error: string | null;
      durationMs: number;
    };
    if (row.channel === 'webhook') {
      const body = JSON.stringify({
        type: 'truce.alert',
        delivery: deliveryId,
        subscription: { id: subscription.id, name: subscription.name },
        alert,
      });
      result = await postWebhook(
        row.target as string,
        subscription.webhookSecret ?? '',
        body,
        deliveryId,
        now,
        this.options.timeoutMs,
        this.options.webhookTargets,
      );
    } else {
      const started = performance.now();
      try {
        await this.options.mailer!.send({
          to: row.target as string,
          subject: `[truce] ${alert.title}`,
          text: `${alert.title}\n\n${typeof alert.body.why === 'string' ? `${alert.body.why}\n\n` : ''}Raised ${alert.raisedAt} by the subscription "${subscription.name}".\n`,
        });
        result = { ok: true, statusCode: null, error: null, durationMs: 0 };
      } catch (error) {
        result = {
          ok: false,
          statusCode: null,
          error: (error as Error).message,
          durationMs: Math.round(performance.now() - started),
        };
      }
    }
    const attempts = numberOf(row.attempts) + 1;
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO alert_delivery_attempts (delivery_id, at, status_code, error, duration_ms)
         VALUES ($1, $2, $3, $4, $5)`,
        [deliveryId, now.toISOString(), result.statusCode, result.error, result.durationMs],
      );
      if (result.ok) {
        await tx.query(
          `UPDATE alert_deliveries SET state = 'delivered', attempts = $2, delivered_at = $3, last_error = NULL
            WHERE id = $1`,
          [deliveryId, attempts, now.toISOString()],
        );
        if (row.channel === 'webhook') {
          await tx.query('UPDATE alert_subscriptions SET webhook_failures = 0 WHERE id = $1', [
            subscription.id,
          ]);
        }
        return;
      }
      const wait = Math.min(
        this.options.retryBaseMs * 2 ** (attempts - 1),
        this.options.retryMaxMs,
      );
      const givenUp = attempts >= this.options.maxAttempts;
      await tx.query(
        `UPDATE alert_deliveries SET state = $2, attempts = $3, next_attempt_at = $4, last_error = $5
          WHERE id = $1`,
        [
          deliveryId,
          givenUp ? 'failed' : 'pending',
          attempts,
          new Date(now.getTime() + wait).toISOString(),
          result.error,
        ],
      );
      if (row.channel !== 'webhook') return;
      const [counted] = await tx.query<{ webhook_failures: unknown; webhook_disabled_at: unknown }>(
        `UPDATE alert_subscriptions SET webhook_failures = webhook_failures + 1 WHERE id = $1
         RETURNING webhook_failures, webhook_disabled_at`,
        [subscription.id],
      );
      const failures = numberOf(counted?.webhook_failures ?? 0);
      if (failures < this.options.disableAfterFailures || counted?.webhook_disabled_at !== null)
        return;
      const why = `disabled after ${failures} failed deliveries in a row; the last: ${result.error}`;
      await tx.query(
        `UPDATE alert_subscriptions SET webhook_disabled_at = $2, webhook_disabled_why = $3 WHERE id = $1`,
        [subscription.id, now.toISOString(), why],
      );
      await tx.query(
        `UPDATE alert_deliveries SET state = 'cancelled', last_error = $2
          WHERE subscription_id = $1 AND channel = 'webhook' AND state = 'pending'`,
        [subscription.id, why],
      );
      // The owner hears of it in the dashboard (and by e-mail if they gave one), not by the
      // webhook that is failing.
      await this.#raise(
        tx,
        { ...subscription, webhookDisabledAt: now.toISOString() },
        {
          key: 'webhook-disabled',
          title: `Webhook of "${subscription.name}" ${why}`,
          body: { kind: 'webhook-disabled', url: subscription.webhookUrl, why },
        },
        now.toISOString(),
        now,
        { webhook: false },
      );
    });
  }

  async #audit(actor: Actor, action: string, target: string, details: Record<string, unknown>) {
    if (actor.kind === 'anonymous') return;
    await this.#ctx.audit.append({
      at: this.#ctx.clock().toISOString(),
      actor: actor.user.id,
      actorOrg: actor.user.orgId,
      action,
      target,
      outcome: 'success',
      ip: undefined,
      details,
    });
  }
}

const services = new WeakMap<AppContext, AlertsService>();

/** The alerts service of a server (one per server; the routes create it). */
export function alertsOf(ctx: AppContext, options?: Partial<AlertsOptions>): AlertsService {
  let service = services.get(ctx);
  if (!service) {
    service = new AlertsService(ctx, options);
    services.set(ctx, service);
  }
  return service;
}
