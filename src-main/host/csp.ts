/**
 * The one Content-Security-Policy for the UI, in Electron (`app://` protocol) and browser mode.
 * No remote code, no eval; inline styles are allowed because Svelte transitions and three.js set
 * `style` attributes. Pure TypeScript.
 */

export interface CspOptions {
  /** Extra `connect-src` sources, e.g. the browser-mode WebSocket URL `ws://127.0.0.1:PORT`. */
  connect?: string[];
}

export function contentSecurityPolicy(opts: CspOptions = {}): string {
  const connect = ["'self'", ...(opts.connect ?? [])].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect}`,
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "media-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers sent with every UI response (both modes). */
export function securityHeaders(opts: CspOptions = {}): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(opts),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=(), payment=()',
  };
}
