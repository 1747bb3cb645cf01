import os from 'node:os';
import path from 'node:path';

/**
 * The platform's per-user data directory for mcp-pa (the contract's defaults):
 * `$XDG_CONFIG_HOME/mcp-pa` or `~/.config/mcp-pa` on Linux, `~/Library/Application Support/mcp-pa`
 * on macOS, `%APPDATA%\mcp-pa` on Windows.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = env.HOME || env.USERPROFILE || os.homedir();
  if (platform === 'win32') {
    return path.win32.join(env.APPDATA || path.win32.join(home, 'AppData', 'Roaming'), 'mcp-pa');
  }
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'mcp-pa');
  const xdg = env.XDG_CONFIG_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.config'), 'mcp-pa');
}

/** Expands a leading `~` (as written in the contract's example configuration) and makes the path absolute. */
export function resolveUserPath(p: string, env: NodeJS.ProcessEnv = process.env): string {
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) {
    p = path.join(env.HOME || env.USERPROFILE || os.homedir(), p.slice(1));
  }
  return path.resolve(p);
}
