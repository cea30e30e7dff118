import { createHash } from 'node:crypto';
import { TruceError } from '@truce/core';
import type { SqlDriver } from './sql-driver.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema, shared by PGlite and PostgreSQL. Append new versions; never edit one that has
 * shipped (the runner refuses a database whose applied migration differs from this text).
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'ledger',
    sql: `
CREATE TABLE events (
  seq             bigint      PRIMARY KEY CHECK (seq >= 0),
  event_id        text        NOT NULL UNIQUE,
  org             text        NOT NULL,
  idempotency_key text        NOT NULL,
  content_hash    text        NOT NULL,
  entry           bytea       NOT NULL,
  leaf_hash       bytea       NOT NULL CHECK (length(leaf_hash) = 32),
  appended_at     timestamptz NOT NULL,
  UNIQUE (org, idempotency_key)
);

-- Complete subtrees of 2^level leaves (level >= 1; level 0 is events.leaf_hash), written in the
-- same transaction as the entries that complete them, so proofs read O(log n) rows.
CREATE TABLE tree_nodes (
  level smallint NOT NULL CHECK (level >= 1),
  index bigint   NOT NULL CHECK (index >= 0),
  hash  bytea    NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, index)
);

CREATE TABLE checkpoints (
  size     bigint      PRIMARY KEY CHECK (size >= 0),
  note     text        NOT NULL,
  saved_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE cosignatures (
  checkpoint_size bigint      NOT NULL REFERENCES checkpoints (size),
  witness         text        NOT NULL,
  line            text        NOT NULL,
  saved_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (checkpoint_size, witness)
);

-- The record is insert-only, enforced here rather than trusted to the application. It does not
-- stop a database superuser (who can drop the trigger); the Merkle tree and the checkpoints
-- the parties hold are what make such a rewrite detectable.
CREATE FUNCTION truce_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'truce: % on % refused: the ledger is insert-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation',
          HINT = 'Record a correction as a new event that references the old one.';
END
$$;

CREATE TRIGGER events_insert_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER tree_nodes_insert_only BEFORE UPDATE OR DELETE ON tree_nodes
  FOR EACH ROW EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER tree_nodes_no_truncate BEFORE TRUNCATE ON tree_nodes
  FOR EACH STATEMENT EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER checkpoints_insert_only BEFORE UPDATE OR DELETE ON checkpoints
  FOR EACH ROW EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER cosignatures_insert_only BEFORE UPDATE OR DELETE ON cosignatures
  FOR EACH ROW EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER cosignatures_no_truncate BEFORE TRUNCATE ON cosignatures
  FOR EACH STATEMENT EXECUTE FUNCTION truce_refuse_change();
`,
  },
  {
    version: 2,
    name: 'accounts-agreements-audit',
    sql: `
-- The HTTP API's tables (packages/server/src/accounts, audit, routes/agreements). Times that
-- decide access (expiry, lockout) are written by the application's clock, so tests can move it.
CREATE TABLE organisations (
  id         text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name       text        NOT NULL,
  kind       text        NOT NULL
             CHECK (kind IN ('party', 'mediator', 'guarantor', 'agency', 'monitor', 'observer')),
  created_at timestamptz NOT NULL
);

CREATE TABLE users (
  id            text        PRIMARY KEY,
  email         text        NOT NULL UNIQUE,
  org_id        text        NOT NULL REFERENCES organisations (id),
  role          text        NOT NULL
                CHECK (role IN ('mediator', 'party_liaison', 'agency', 'monitor', 'observer')),
  permissions   text[]      NOT NULL DEFAULT '{}',
  password_hash text        NOT NULL,
  disabled      boolean     NOT NULL DEFAULT false,
  failed_logins integer     NOT NULL DEFAULT 0,
  locked_until  timestamptz,
  created_at    timestamptz NOT NULL
);

-- Sessions and tokens are kept as SHA-256 of the secret: a copy of the database opens nothing.
CREATE TABLE sessions (
  token_hash text        PRIMARY KEY,
  user_id    text        NOT NULL REFERENCES users (id),
  csrf_token text        NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
  id           text        PRIMARY KEY,
  user_id      text        NOT NULL REFERENCES users (id),
  name         text        NOT NULL,
  token_hash   text        NOT NULL UNIQUE,
  scopes       text[]      NOT NULL,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE agreement_versions (
  agreement_id text        NOT NULL,
  version      integer     NOT NULL CHECK (version >= 1),
  source       text        NOT NULL,
  sha256       text        NOT NULL,
  uploaded_by  text        REFERENCES users (id),
  uploaded_at  timestamptz NOT NULL,
  PRIMARY KEY (agreement_id, version)
);

-- What the public page shows: a status someone with the publish permission released.
CREATE TABLE publications (
  id           bigserial   PRIMARY KEY,
  agreement_id text        NOT NULL,
  ledger_size  bigint      NOT NULL,
  as_of        text        NOT NULL,
  evaluation   text        NOT NULL,
  published_by text        NOT NULL REFERENCES users (id),
  published_at timestamptz NOT NULL
);

CREATE TABLE audit_log (
  id         bigserial   PRIMARY KEY,
  at         timestamptz NOT NULL,
  actor      text,
  actor_org  text,
  action     text        NOT NULL,
  target     text,
  outcome    text        NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
  ip         text,
  details    text        NOT NULL DEFAULT '{}'
);

CREATE FUNCTION truce_refuse_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'truce: % on % refused: the table is insert-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER audit_log_insert_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION truce_refuse_record_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION truce_refuse_record_change();
CREATE TRIGGER agreement_versions_insert_only BEFORE UPDATE OR DELETE ON agreement_versions
  FOR EACH ROW EXECUTE FUNCTION truce_refuse_record_change();
CREATE TRIGGER publications_insert_only BEFORE UPDATE OR DELETE ON publications
  FOR EACH ROW EXECUTE FUNCTION truce_refuse_record_change();
`,
  },
  {
    version: 3,
    name: 'entry kinds',
    sql: `
-- Labels some entries carry (AppendRequest.kind), so that a caller finds them without reading
-- the whole log: the ledger labels its key events 'key' and reads only those on open and before
-- admitting envelopes. Written in the same transaction as the entry.
CREATE TABLE entry_kinds (
  kind text   NOT NULL,
  seq  bigint NOT NULL REFERENCES events (seq),
  PRIMARY KEY (kind, seq)
);

CREATE TRIGGER entry_kinds_insert_only BEFORE UPDATE OR DELETE ON entry_kinds
  FOR EACH ROW EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER entry_kinds_no_truncate BEFORE TRUNCATE ON entry_kinds
  FOR EACH STATEMENT EXECUTE FUNCTION truce_refuse_change();

-- Logs written before this version: label their key events once, the only time the store looks
-- inside an entry (the same test the ledger applies: the type of the envelope's event).
INSERT INTO entry_kinds (kind, seq)
SELECT 'key', seq FROM events
 WHERE convert_from(entry, 'UTF8')::jsonb #>> '{event,type}' IN ('key_registered', 'key_revoked');
`,
  },
  {
    version: 4,
    name: 'rate limits',
    sql: `
-- Request counts per client and route group, shared by every process on this database (the
-- HTTP API's rate limits on PostgreSQL; http/rate-limit-store.ts). Disposable: rows are
-- counters for the current window only, and old ones are deleted as the server goes.
CREATE TABLE rate_limits (
  key          text        PRIMARY KEY,
  window_start timestamptz NOT NULL,
  hits         integer     NOT NULL
);
`,
  },
  {
    version: 5,
    name: 'person data',
    sql: `
-- Personal data of persons in an exchange (packages/server/src/persons): each field value sealed
-- with AES-256-GCM under a data key; data keys wrapped by a key-encryption key that never enters
-- the database (TRUCE_DATA_KEY or the data folder's key file). Insert-only: a new value, a
-- re-encryption or a re-wrap under a new key is a new row; the newest version of a field counts.
CREATE TABLE person_data_keys (
  key_id     text        NOT NULL,
  kek_id     text        NOT NULL CHECK (kek_id ~ '^[0-9a-f]{16}$'),
  wrapped    bytea       NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (key_id, kek_id)
);

CREATE TABLE person_fields (
  id          bigserial   PRIMARY KEY,
  person_id   text        NOT NULL CHECK (person_id ~ '^[A-Z]{1,3}-[0-9A-Z]{1,12}$'),
  field       text        NOT NULL CHECK (field IN ('name', 'dateOfBirth', 'photo', 'identityNumber')),
  version     integer     NOT NULL CHECK (version >= 1),
  key_id      text        NOT NULL,
  sealed      bytea       NOT NULL,
  commitment  text        NOT NULL CHECK (commitment ~ '^[0-9a-f]{64}$'),
  recorded_by text        NOT NULL,
  org         text        NOT NULL,
  recorded_at timestamptz NOT NULL,
  UNIQUE (person_id, field, version)
);
CREATE INDEX person_fields_latest ON person_fields (person_id, field, version DESC);

CREATE TRIGGER person_data_keys_insert_only BEFORE UPDATE OR DELETE ON person_data_keys
  FOR EACH ROW EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER person_data_keys_no_truncate BEFORE TRUNCATE ON person_data_keys
  FOR EACH STATEMENT EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER person_fields_insert_only BEFORE UPDATE OR DELETE ON person_fields
  FOR EACH ROW EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER person_fields_no_truncate BEFORE TRUNCATE ON person_fields
  FOR EACH STATEMENT EXECUTE FUNCTION truce_refuse_change();
`,
  },
  {
    version: 6,
    name: 'blobs',
    sql: `
-- Files kept beside the ledger (packages/server/src/blobs): evidence of incidents and the zone
-- layers of agreements. The bytes live in the blob store (a folder in the data directory by
-- default), addressed by their SHA-256, which signed events quote; this table says who
-- uploaded what, when, and as what. Insert-only, like the events that cite the files.
CREATE TABLE blobs (
  sha256      text        PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  kind        text        NOT NULL CHECK (kind IN ('evidence', 'zones')),
  size        bigint      NOT NULL CHECK (size >= 0),
  media_type  text        NOT NULL,
  file_name   text,
  uploaded_by text        NOT NULL,
  org         text        NOT NULL,
  uploaded_at timestamptz NOT NULL
);
CREATE INDEX blobs_uploaded_at ON blobs (uploaded_at DESC);
`,
  },
  {
    version: 7,
    name: 'alerts',
    sql: `
-- Alerts (packages/server/src/alerts): rules users and organisations subscribe to, the alerts
-- raised, and their deliveries. The worker follows the ledger by sequence number from
-- alert_cursor, under a row lock, so several processes share the work and a restart resumes
-- where the last committed tick ended, without raising an alert twice.
CREATE TABLE alert_subscriptions (
  id                   uuid        PRIMARY KEY,
  owner_user           text        NOT NULL,
  owner_org            text        NOT NULL,
  -- An organisation's subscription pages on behalf of the whole organisation (made by a user).
  scope                text        NOT NULL CHECK (scope IN ('user', 'org')),
  name                 text        NOT NULL,
  rule                 jsonb       NOT NULL,
  webhook_url          text,
  webhook_secret       text,
  email                text,
  quiet_hours          jsonb,
  created_at           timestamptz NOT NULL,
  deleted_at           timestamptz,
  webhook_failures     integer     NOT NULL DEFAULT 0,
  webhook_disabled_at  timestamptz,
  webhook_disabled_why text
);
CREATE INDEX alert_subscriptions_owner ON alert_subscriptions (owner_org, owner_user);

-- Where the worker is in the ledger; one row, locked for the length of a tick.
CREATE TABLE alert_cursor (
  name     text        PRIMARY KEY,
  next_seq bigint      NOT NULL,
  ticked_at timestamptz
);
INSERT INTO alert_cursor (name, next_seq) VALUES ('alerts', -1);

-- Conditions that hold now (an obligation at_risk, a deadline near): one alert when a condition
-- starts to hold, none again until it has cleared (the row is deleted when it stops holding).
CREATE TABLE alert_conditions (
  subscription_id uuid        NOT NULL REFERENCES alert_subscriptions (id),
  condition_key   text        NOT NULL,
  since           timestamptz NOT NULL,
  PRIMARY KEY (subscription_id, condition_key)
);

CREATE TABLE alerts (
  id              bigserial   PRIMARY KEY,
  subscription_id uuid        NOT NULL REFERENCES alert_subscriptions (id),
  condition_key   text        NOT NULL,
  -- The occurrence of the condition: the ledger position or the instant it started to hold.
  occurrence      text        NOT NULL,
  title           text        NOT NULL,
  body            jsonb       NOT NULL,
  raised_at       timestamptz NOT NULL,
  read_at         timestamptz,
  UNIQUE (subscription_id, condition_key, occurrence)
);
CREATE INDEX alerts_by_subscription ON alerts (subscription_id, id DESC);

-- One row per alert and channel (webhook, email); attempts are logged below.
CREATE TABLE alert_deliveries (
  id              bigserial   PRIMARY KEY,
  alert_id        bigint      NOT NULL REFERENCES alerts (id),
  subscription_id uuid        NOT NULL REFERENCES alert_subscriptions (id),
  channel         text        NOT NULL CHECK (channel IN ('webhook', 'email')),
  target          text        NOT NULL,
  state           text        NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  created_at      timestamptz NOT NULL,
  delivered_at    timestamptz,
  last_error      text,
  UNIQUE (alert_id, channel)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (state, next_attempt_at);

CREATE TABLE alert_delivery_attempts (
  id           bigserial   PRIMARY KEY,
  delivery_id  bigint      NOT NULL REFERENCES alert_deliveries (id),
  at           timestamptz NOT NULL,
  status_code  integer,
  error        text,
  duration_ms  integer     NOT NULL
);
CREATE INDEX alert_delivery_attempts_by_delivery ON alert_delivery_attempts (delivery_id, id);
`,
  },
  {
    version: 8,
    name: 'imports',
    sql: `
-- Files imported into the ledger (HXL CSV; packages/server/src/hxl). One row per file content:
-- importing the same bytes again is a no-op that answers with this row. completed_at is null
-- while the file's events are being appended (a crash leaves it so; the same file imported
-- again finishes it, its events being idempotent by id). The events themselves are in events.
CREATE TABLE imports (
  id           text        PRIMARY KEY,
  sha256       text        NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  format       text        NOT NULL,
  file_name    text,
  imported_by  text        NOT NULL,
  org          text,
  reported_at  text        NOT NULL,
  rows         integer     NOT NULL CHECK (rows >= 0),
  first_seq    bigint,
  last_seq     bigint,
  started_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  completed_at timestamptz
);
CREATE INDEX imports_started_at ON imports (started_at DESC);
`,
  },
  {
    version: 10,
    name: 'audit chain',
    sql: `
-- Tamper evidence of the audit log (packages/server/src/audit/audit-chain.ts): each line gets
-- the next number of one chain and hash = SHA-256(previous hash ‖ the line's bytes), computed by
-- the database under an advisory lock, so every process on one PostgreSQL extends one chain.
-- Editing, removing or reordering a line breaks every hash after it; the export carries them.
-- A line's bytes: each field as a 4-byte big-endian length and its UTF-8 bytes (NULL: length
-- 0xffffffff and nothing), in this order: chain number, time in Unix milliseconds, actor,
-- actor organisation, action, target, outcome, address, details (JSON as stored).
ALTER TABLE audit_log ADD COLUMN chain_seq bigint;
ALTER TABLE audit_log ADD COLUMN hash bytea;

CREATE FUNCTION truce_audit_field(value text) RETURNS bytea LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE WHEN value IS NULL THEN '\\xffffffff'::bytea
    ELSE int4send(octet_length(convert_to(value, 'UTF8'))) || convert_to(value, 'UTF8') END
$fn$;

CREATE FUNCTION truce_audit_line(seq bigint, at timestamptz, actor text, actor_org text,
  action text, target text, outcome text, ip text, details text) RETURNS bytea
  LANGUAGE sql IMMUTABLE AS $fn$
  SELECT truce_audit_field(seq::text)
      || truce_audit_field(floor(extract(epoch FROM at) * 1000)::bigint::text)
      || truce_audit_field(actor) || truce_audit_field(actor_org) || truce_audit_field(action)
      || truce_audit_field(target) || truce_audit_field(outcome) || truce_audit_field(ip)
      || truce_audit_field(details)
$fn$;

-- The lines written before this version, chained in the order of their ids.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_insert_only;
DO $do$
DECLARE
  r record;
  previous bytea := '\\x0000000000000000000000000000000000000000000000000000000000000000';
  n bigint := 0;
BEGIN
  FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
    n := n + 1;
    previous := sha256(previous || truce_audit_line(n, r.at, r.actor, r.actor_org, r.action,
      r.target, r.outcome, r.ip, r.details));
    UPDATE audit_log SET chain_seq = n, hash = previous WHERE id = r.id;
  END LOOP;
END
$do$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_insert_only;

CREATE FUNCTION truce_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  last_seq bigint;
  last_hash bytea;
BEGIN
  PERFORM pg_advisory_xact_lock(7411523004);
  SELECT chain_seq, hash INTO last_seq, last_hash FROM audit_log
   WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
  NEW.chain_seq := coalesce(last_seq, 0) + 1;
  NEW.hash := sha256(
    coalesce(last_hash, '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
    || truce_audit_line(NEW.chain_seq, NEW.at, NEW.actor, NEW.actor_org, NEW.action, NEW.target,
      NEW.outcome, NEW.ip, NEW.details));
  RETURN NEW;
END
$fn$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION truce_audit_chain();
CREATE UNIQUE INDEX audit_log_chain_seq ON audit_log (chain_seq);
ALTER TABLE audit_log ALTER COLUMN chain_seq SET NOT NULL;
ALTER TABLE audit_log ALTER COLUMN hash SET NOT NULL;
`,
  },
  {
    version: 11,
    name: 'session activity',
    sql: `
-- When each session was last used (at most a minute stale: written once a minute per session),
-- so that a session idle for longer than the server's sessionIdleMinutes ends.
ALTER TABLE sessions ADD COLUMN last_seen_at timestamptz;
UPDATE sessions SET last_seen_at = created_at;
ALTER TABLE sessions ALTER COLUMN last_seen_at SET NOT NULL;
`,
  },
  {
    version: 12,
    name: 'multi-factor authentication',
    sql: `
-- A user's TOTP second factor (packages/server/src/accounts/totp.ts): the secret sealed with the
-- MFA key (never stored in clear), enabled once a first code is confirmed; last_step is the time
-- step of the last code accepted, so a code cannot be used twice. Recovery codes are kept as
-- SHA-256 of the user id and the code, each usable once.
CREATE TABLE user_mfa (
  user_id       text        PRIMARY KEY REFERENCES users (id),
  secret_sealed bytea       NOT NULL,
  created_at    timestamptz NOT NULL,
  enabled_at    timestamptz,
  last_step     bigint      NOT NULL DEFAULT -1
);
CREATE TABLE mfa_recovery_codes (
  user_id   text        NOT NULL REFERENCES users (id),
  code_hash text        NOT NULL,
  used_at   timestamptz,
  PRIMARY KEY (user_id, code_hash)
);
`,
  },
  {
    version: 13,
    name: 'entry domains',
    sql: `
-- Every entry labelled with its event's domain (core domainOfEventType: aid, crossings, exchange,
-- incidents, notices, returns, security, talks, revisions; key events keep 'key'), so that a
-- domain's views read their events by index instead of scanning the log with a JSON filter. The
-- ledger labels new entries as it appends them; this labels the logs written before, once.
-- The mapping is written out, not generated, so that this migration's text never changes.
INSERT INTO entry_kinds (kind, seq)
SELECT d.kind, e.seq
  FROM events e
  JOIN (VALUES
    ('aid_trucks_crossed', 'aid'), ('aid_items_delivered', 'aid'),
    ('consignment_registered', 'aid'), ('consignment_inspected', 'aid'),
    ('consignment_crossed', 'aid'), ('consignment_collected', 'aid'),
    ('consignment_warehoused', 'aid'), ('consignment_distributed', 'aid'),
    ('hostage_released', 'exchange'), ('prisoner_released', 'exchange'),
    ('remains_returned', 'exchange'), ('release_withheld', 'exchange'),
    ('names_list_delivered', 'exchange'), ('person_registered', 'exchange'),
    ('handover_step', 'exchange'), ('remains_identified', 'exchange'),
    ('person_record_committed', 'exchange'),
    ('incident_reported', 'incidents'), ('incident_triaged', 'incidents'),
    ('incident_assigned', 'incidents'), ('investigation_started', 'incidents'),
    ('finding_recorded', 'incidents'), ('finding_reviewed', 'incidents'),
    ('finding_published', 'incidents'), ('dispute_opened', 'incidents'),
    ('dispute_claim_added', 'incidents'), ('dispute_resolved', 'incidents'),
    ('notice_sent', 'notices'), ('notice_delivered', 'notices'), ('notice_read', 'notices'),
    ('notice_acknowledged', 'notices'), ('notice_answered', 'notices'),
    ('crossing_opened', 'crossings'), ('crossing_closed', 'crossings'),
    ('returns_counted', 'returns'),
    ('withdrawal_completed', 'security'), ('flight_observed', 'security'),
    ('talks_started', 'talks'), ('talks_ended', 'talks'),
    ('correction', 'revisions'), ('retraction', 'revisions'),
    ('key_registered', 'key'), ('key_revoked', 'key')
  ) AS d (type, kind) ON d.type = convert_from(e.entry, 'UTF8')::jsonb #>> '{event,type}'
ON CONFLICT (kind, seq) DO NOTHING;
`,
  },
  {
    version: 14,
    name: 'security keys',
    sql: `
-- A user's WebAuthn credentials (security keys and passkeys), a second factor that a phishing
-- site cannot relay: the key signs for the relying party id (the cell's host name) it was made
-- for. public_key is the COSE key the authenticator gave; counter its signature counter (0 for
-- authenticators that keep none). packages/server/src/accounts/webauthn.ts.
CREATE TABLE webauthn_credentials (
  id           text        PRIMARY KEY,
  user_id      text        NOT NULL REFERENCES users (id),
  rp_id        text        NOT NULL,
  public_key   bytea       NOT NULL,
  counter      bigint      NOT NULL CHECK (counter >= 0),
  transports   text        NOT NULL DEFAULT '',
  name         text        NOT NULL,
  created_at   timestamptz NOT NULL,
  last_used_at timestamptz
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials (user_id);

-- Challenges handed out and not yet answered, as SHA-256 of the challenge: each is used once
-- (taken with DELETE … RETURNING, so two processes cannot both accept it) before it expires.
CREATE TABLE webauthn_challenges (
  challenge_hash text        PRIMARY KEY,
  user_id        text        NOT NULL REFERENCES users (id),
  purpose        text        NOT NULL CHECK (purpose IN ('register', 'login')),
  expires_at     timestamptz NOT NULL
);
`,
  },
  {
    version: 15,
    name: 'password resets',
    sql: `
-- Links to choose a new password, e-mailed to a user who forgot theirs
-- (packages/server/src/accounts/password-reset.ts): kept as SHA-256 of the token, usable once,
-- for 30 minutes. A reset ends every session; the second factor is still asked at the next login.
CREATE TABLE password_resets (
  token_hash   text        PRIMARY KEY,
  user_id      text        NOT NULL REFERENCES users (id),
  requested_at timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz
);
CREATE INDEX password_resets_user ON password_resets (user_id, requested_at);
`,
  },
  {
    version: 16,
    name: 'passkey logins',
    sql: `
-- A login with a passkey alone (no e-mail, no password): its challenge is handed out before
-- anyone is known, so it names no user; the key's answer names the account.
ALTER TABLE webauthn_challenges ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE webauthn_challenges DROP CONSTRAINT webauthn_challenges_purpose_check;
ALTER TABLE webauthn_challenges ADD CONSTRAINT webauthn_challenges_purpose_check
  CHECK (purpose IN ('register', 'login', 'passkey') AND (user_id IS NULL) = (purpose = 'passkey'));
`,
  },
  {
    version: 17,
    name: 'session re-authentication',
    sql: `
-- When the session's user last proved who they are (the login, or a re-authentication since):
-- the actions marked fresh in policies/matrix.ts need it recent.
ALTER TABLE sessions ADD COLUMN authenticated_at timestamptz;
UPDATE sessions SET authenticated_at = created_at;
ALTER TABLE sessions ALTER COLUMN authenticated_at SET NOT NULL;
`,
  },
  {
    version: 18,
    name: 'audit shipping',
    sql: `
-- How far the audit log has been shipped to each collector (TRUCE_AUDIT_SHIP_URL): the last
-- chain number it acknowledged, and which process holds the lease to ship (one at a time).
CREATE TABLE audit_shipping (
  target      text        PRIMARY KEY,
  chain_seq   bigint      NOT NULL DEFAULT 0,
  shipped_at  timestamptz,
  leased_by   text,
  lease_until timestamptz,
  last_error  text,
  failed_at   timestamptz
);
`,
  },
  {
    version: 19,
    name: 'device keys by user',
    sql: `
-- Which user registered each device key (POST /api/v1/devices), so that disabling the user
-- revokes the keys their devices hold. Filled from the audit log for the keys registered before.
CREATE TABLE device_keys (
  key_id        text        PRIMARY KEY,
  user_id       text        NOT NULL REFERENCES users (id),
  org_id        text        NOT NULL,
  registered_at timestamptz NOT NULL,
  revoked_at    timestamptz
);
CREATE INDEX device_keys_user ON device_keys (user_id);
INSERT INTO device_keys (key_id, user_id, org_id, registered_at)
SELECT DISTINCT ON (a.target) a.target, a.actor, a.actor_org, a.at
  FROM audit_log a JOIN users u ON u.id = a.actor
 WHERE a.action = 'device.register' AND a.outcome = 'success' AND a.target IS NOT NULL
   AND a.actor_org IS NOT NULL
 ORDER BY a.target, a.at
ON CONFLICT (key_id) DO NOTHING;
`,
  },
  {
    version: 20,
    name: 'passkeys told apart',
    sql: `
-- Whether the authenticator kept the credential (a passkey, which signs in alone), as the
-- browser reported it at registration (the credProps extension); NULL: it did not say.
ALTER TABLE webauthn_credentials ADD COLUMN discoverable boolean;
`,
  },
  {
    version: 21,
    name: 'person data erasures',
    sql: `
-- The key-encryption keys destroyed by \`truce persons erase\` (the end of the cell's mandate):
-- whatever they wrapped can no longer be read, and new data may go under a new key.
CREATE TABLE person_data_erasures (
  kek_id    text        PRIMARY KEY,
  erased_at timestamptz NOT NULL,
  reason    text        NOT NULL
);
CREATE TRIGGER person_data_erasures_insert_only BEFORE UPDATE OR DELETE ON person_data_erasures
  FOR EACH ROW EXECUTE FUNCTION truce_refuse_change();
CREATE TRIGGER person_data_erasures_no_truncate BEFORE TRUNCATE ON person_data_erasures
  FOR EACH STATEMENT EXECUTE FUNCTION truce_refuse_change();
`,
  },
  {
    version: 22,
    name: 'cosignatures by witness',
    sql: `
-- Each witness's latest cosignature (how far each party has checked the log) in a few index
-- reads, however many checkpoints the witnesses have cosigned.
CREATE INDEX cosignatures_by_witness ON cosignatures (witness, checkpoint_size);
`,
  },
  {
    version: 23,
    name: 'entries stored uncompressed',
    sql: `
-- An entry over 2 KB (an aid batch of up to 1,000 rows is ~100 KB) was compressed with pglz,
-- which costs more CPU on PGlite's WebAssembly than the disk it saves (~10% of an import's data
-- folder): stored out of line and uncompressed, an import of 200,000 rows is ~7% faster and no
-- read decompresses. New rows only; what is stored stays as it is.
ALTER TABLE events ALTER COLUMN entry SET STORAGE EXTERNAL;
`,
  },
];

const checksum = (migration: Migration): string =>
  createHash('sha256').update(migration.sql).digest('hex');

/**
 * Brings the schema up to date in one transaction, under an advisory lock so that several
 * processes starting at once on one PostgreSQL apply each migration exactly once.
 */
export async function migrate(
  db: SqlDriver,
  lockKey: string,
  unordered: readonly Migration[] = migrations,
): Promise<void> {
  // Versions are applied in numeric order, whatever the order of the list.
  const known = [...unordered].sort((a, b) => a.version - b.version);
  try {
    await applyMigrations(db, lockKey, known);
  } catch (error) {
    // The server's role under the least-privilege setup may read the schema, not change it.
    if ((error as { code?: unknown }).code !== '42501') throw error;
    throw new TruceError(
      'FORBIDDEN',
      `this database role may not apply truce's migrations (${(error as Error).message}); the schema's owner applies them with \`truce db migrate\`, then gives this role its privileges with \`truce db grant --role NAME\` (docs/STORAGE.md, "Roles")`,
    );
  }
}

async function applyMigrations(
  db: SqlDriver,
  lockKey: string,
  known: readonly Migration[],
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey]);
    // Only when it is missing: a role that may not create tables (the server's, under the
    // least-privilege setup of docs/STORAGE.md) opens a database whose migrations are applied.
    const [table] = await tx.query<{ found: string | null }>(
      "SELECT to_regclass('schema_migrations')::text AS found",
    );
    if (!table?.found) {
      await tx.exec(`
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer     PRIMARY KEY,
  name       text        NOT NULL,
  checksum   text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
)`);
    }
    const applied = await tx.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    const newest = known.at(-1)?.version ?? 0;
    for (const row of applied) {
      const migration = known.find((candidate) => candidate.version === row.version);
      if (migration === undefined) {
        throw new TruceError(
          'INTERNAL',
          `The database has schema version ${row.version} (${row.name}), newer than this truce knows (${newest}). Upgrade truce before opening it.`,
        );
      }
      if (migration.name !== row.name || checksum(migration) !== row.checksum) {
        throw new TruceError(
          'INTERNAL',
          `Migration ${row.version} (${row.name}) applied to this database differs from the one in this truce; a shipped migration was edited. Restore it and add a new migration instead.`,
        );
      }
    }
    const done = new Set(applied.map((row) => row.version));
    for (const migration of known) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query(
        'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
        [migration.version, migration.name, checksum(migration)],
      );
    }
  });
}
