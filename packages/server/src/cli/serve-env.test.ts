import { describe, expect, it } from 'vitest';
import { configFromEnv } from './serve.js';

describe('server settings from the environment', () => {
  it('reads the idle timeout and the login limit, and leaves the defaults when unset', () => {
    expect(configFromEnv({})).toEqual({});
    expect(
      configFromEnv({ TRUCE_SESSION_IDLE_MINUTES: '0', TRUCE_LOGIN_PER_MINUTE: '600' }),
    ).toEqual({ sessionIdleMinutes: 0, loginPerMinute: 600 });
    expect(configFromEnv({ TRUCE_MFA_REQUIRED_ROLES: ' mediator, monitor,mediator ' })).toEqual({
      mfaRequiredRoles: ['mediator', 'monitor'],
    });
    expect(configFromEnv({ TRUCE_MFA_REQUIRED_ROLES: '' })).toEqual({});
    expect(configFromEnv({ TRUCE_PUBLIC_ORIGIN: 'https://Cell.Example.org/' })).toEqual({
      publicOrigin: 'https://cell.example.org',
    });
    expect(configFromEnv({ TRUCE_PUBLIC_ORIGIN: 'http://localhost:8080' })).toEqual({
      publicOrigin: 'http://localhost:8080',
    });
    expect(configFromEnv({ TRUCE_AUDIT_ANCHOR_MINUTES: '0' })).toEqual({ auditAnchorMinutes: 0 });
    expect(configFromEnv({ TRUCE_REAUTH_MINUTES: '5' })).toEqual({ reauthenticateMinutes: 5 });
    expect(
      configFromEnv({
        TRUCE_AUDIT_SHIP_URL: 'https://logs.example.org/in',
        TRUCE_AUDIT_SHIP_TOKEN: 't',
      }),
    ).toEqual({ auditShipping: { url: 'https://logs.example.org/in', token: 't' } });
    expect(() => configFromEnv({ TRUCE_AUDIT_SHIP_URL: 'ftp://logs.example.org' })).toThrow(/http/);
    expect(() =>
      configFromEnv({
        TRUCE_AUDIT_SHIP_URL: 'https://logs.example.org/in',
        TRUCE_AUDIT_SHIP_TOKEN_FILE: '/nonexistent/token',
      }),
    ).toThrow(/TRUCE_AUDIT_SHIP_TOKEN_FILE/);
    for (const bad of ['0', '481', 'soon', '2.5']) {
      expect(() => configFromEnv({ TRUCE_REAUTH_MINUTES: bad })).toThrow(/TRUCE_REAUTH_MINUTES/);
    }
    expect(() => configFromEnv({ TRUCE_AUDIT_ANCHOR_MINUTES: 'often' })).toThrow(
      /TRUCE_AUDIT_ANCHOR_MINUTES/,
    );
  });

  it('refuses a public origin that is not one', () => {
    for (const value of [
      'cell.example.org',
      'ftp://cell.example.org',
      'https://cell.example.org/dashboard',
      'https://cell.example.org/?a=1',
      'https://user@cell.example.org',
    ]) {
      expect(() => configFromEnv({ TRUCE_PUBLIC_ORIGIN: value })).toThrow(/TRUCE_PUBLIC_ORIGIN/);
    }
  });

  it('refuses what is not a whole number, naming the variable', () => {
    expect(() => configFromEnv({ TRUCE_SESSION_IDLE_MINUTES: 'an hour' })).toThrow(
      /TRUCE_SESSION_IDLE_MINUTES/,
    );
    expect(() => configFromEnv({ TRUCE_LOGIN_PER_MINUTE: '0' })).toThrow(/TRUCE_LOGIN_PER_MINUTE/);
    expect(() => configFromEnv({ TRUCE_LOGIN_PER_MINUTE: '2.5' })).toThrow(/whole number/);
    expect(() => configFromEnv({ TRUCE_MFA_REQUIRED_ROLES: 'mediator,admin' })).toThrow(
      /TRUCE_MFA_REQUIRED_ROLES names no role "admin"; the roles are mediator/,
    );
  });
});
