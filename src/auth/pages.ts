import { SCOPES } from '../scopes.js';

/** Everything a client supplies (its name, its redirect) goes through this before it reaches a page. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Pages load their style from here: no inline style or script, so the CSP can forbid both. */
export const STYLESHEET_PATH = '/oauth/assets/pages.css';
export const STYLESHEET = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d1f23}
main{max-width:26rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px #0002}
h1{font-size:1.4rem;margin-top:0}label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #888;border-radius:.3rem}
button{margin-top:1.2rem;padding:.55rem 1.1rem;font:inherit;border-radius:.3rem;border:1px solid #245;cursor:pointer}
button.primary{background:#245;color:#fff}.error{color:#a00;font-weight:600}.warning{background:#fff4d6;padding:.6rem;border-radius:.3rem}
ul{padding-left:1.2rem}.actions{display:flex;flex-wrap:wrap;gap:.8rem}.hint{color:#555;font-size:.9rem}
`;

/** The page's Content-Security-Policy: its own stylesheet, nothing else, never framed. */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'";

const SCOPE_WORDS: Record<string, string> = {
  [SCOPES.read]: 'See your status, projects, tasks, todos, calendar and documents',
  [SCOPES.write]: 'Create, change, complete and delete them',
};

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · mcp-pa</title><link rel="stylesheet" href="${STYLESHEET_PATH}"></head>
<body><main>${body}</main></body>
</html>`;
}

export function loginPage(options: { action: string; csrf: string; clientName: string; email?: string; error?: string }): string {
  return page(
    'Sign in',
    `<h1>Sign in to your personal assistant</h1>
<p><strong>${escapeHtml(options.clientName)}</strong> wants to use your assistant.</p>
${options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : ''}
<form method="post" action="${escapeHtml(options.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(options.csrf)}">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(options.email ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button class="primary" type="submit">Sign in</button>
</form>`,
  );
}

export function consentPage(options: {
  action: string;
  csrf: string;
  clientName: string;
  scopes: string[];
  readOnlyChoice: boolean;
  redirectHost: string;
  loopback: boolean;
}): string {
  const scopes = options.scopes.map((s) => `<li>${escapeHtml(SCOPE_WORDS[s] ?? s)}</li>`).join('');
  return page(
    'Allow access',
    `<h1>Allow ${escapeHtml(options.clientName)}?</h1>
<p>It asks to:</p><ul>${scopes}</ul>
<p>After you answer, you go back to <strong>${escapeHtml(options.redirectHost)}</strong>.</p>
${options.loopback ? '<p class="warning" role="note">That address is on this computer (localhost): allow only if you started this app yourself just now.</p>' : ''}
<form method="post" action="${escapeHtml(options.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(options.csrf)}">
<div class="actions"><button class="primary" type="submit" name="decision" value="allow">Allow</button>
${options.readOnlyChoice ? '<button type="submit" name="decision" value="read">Allow reading only</button>\n' : ''}<button type="submit" name="decision" value="deny">Deny</button></div>
${options.readOnlyChoice ? '<p class="hint">Reading only: it can see, but not create, change or delete anything.</p>' : ''}
</form>`,
  );
}

export function messagePage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}
