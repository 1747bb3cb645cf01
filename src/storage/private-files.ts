import fs from 'node:fs';
import path from 'node:path';

/**
 * The database files and documents hold every tenant's data, so they are their owner's alone
 * (files 0600, folders 0700) whatever umask the process was started with: a backup or copy that
 * keeps modes must not expose them to other users of the host.
 */

/** Files and folders this process creates from now on are private to its user. */
export function keepNewFilesPrivate(): void {
  process.umask(process.umask() | 0o077);
}

/**
 * Makes a folder we own and everything below it private. Needed besides the umask: PGlite gives
 * the files of a new cluster mode 0666 explicitly, and databases written by older versions (or
 * under another umask) keep the modes they were made with.
 */
export function makeTreePrivate(root: string): void {
  if (process.platform === 'win32' || !fs.existsSync(root)) return;
  chmodPrivate(root, true);
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const child = path.join(root, entry.name);
    if (entry.isDirectory()) makeTreePrivate(child);
    else if (entry.isFile()) chmodPrivate(child, false);
  }
}

/** Makes these files private where they exist (a database and its -wal and -shm files). */
export function makeFilesPrivate(files: string[]): void {
  if (process.platform === 'win32') return;
  for (const file of files) if (fs.existsSync(file)) chmodPrivate(file, false);
}

function chmodPrivate(target: string, folder: boolean): void {
  try {
    fs.chmodSync(target, folder ? 0o700 : 0o600);
  } catch (err) {
    // A file removed between listing and chmod (PostgreSQL's temporary files) needs nothing.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
