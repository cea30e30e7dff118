/**
 * The dashboard's Trusted Types policy. The page's Content-Security-Policy has
 * `require-trusted-types-for 'script'`: a string can reach a DOM sink that runs code (an HTML
 * parser, `eval`, a script or worker URL) only through this policy, named `default` (the only
 * one the policy allows). The dashboard itself never writes HTML or code from strings; what
 * needs a sink is a script URL — the service worker `/sw.js`, and the worker MapLibre starts
 * from a `blob:` URL it made — and both are this origin's. Everything else is refused, so a
 * string from a report that slipped into a sink (a DOM XSS) fails instead of running.
 *
 * Imported first by main.tsx, before anything else can touch a sink.
 */

interface TrustedTypePolicyFactory {
  createPolicy(
    name: string,
    rules: {
      createHTML?: (input: string) => string;
      createScript?: (input: string) => string;
      createScriptURL?: (input: string) => string;
    },
  ): unknown;
}

/** The policy's rule for script URLs: this origin's (blob: URLs the page made included). */
export function allowedScriptUrl(input: string, origin: string): boolean {
  try {
    return new URL(input, origin).origin === origin;
  } catch {
    return false;
  }
}

const factory = (globalThis as { trustedTypes?: TrustedTypePolicyFactory }).trustedTypes;
if (factory && typeof location !== 'undefined') {
  factory.createPolicy('default', {
    createScriptURL(input) {
      if (allowedScriptUrl(input, location.origin)) return input;
      throw new TypeError(`a script from ${input} is refused: only this site's scripts run here`);
    },
    createHTML() {
      throw new TypeError('HTML from a string is refused here: build DOM nodes instead');
    },
    createScript() {
      throw new TypeError('code from a string is refused here');
    },
  });
}
