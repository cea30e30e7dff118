import type { Subscription } from '../alerts/alerts-service.js';

/** A subscription as it leaves the server: never its webhook secret. */
export function presentSubscription(subscription: Subscription) {
  return {
    id: subscription.id,
    name: subscription.name,
    scope: subscription.scope,
    ownerUser: subscription.ownerUser,
    ownerOrg: subscription.ownerOrg,
    rule: subscription.rule as Record<string, unknown>,
    webhook: subscription.webhookUrl
      ? {
          url: subscription.webhookUrl,
          failures: subscription.webhookFailures,
          disabledAt: subscription.webhookDisabledAt,
          disabledWhy: subscription.webhookDisabledWhy,
        }
      : null,
    email: subscription.email,
    quietHours: subscription.quietHours as Record<string, unknown> | null,
    createdAt: subscription.createdAt,
  };
}
