import type { OpenedRuntime } from '../runtime.js';
import type { AuditLog } from '../security/audit.js';
import { keyEncryptionKey } from '../security/key-encryption-key.js';
import { sealedSecrets } from '../security/sealed-secrets.js';

/**
 * What every unit of work of a server (or an administrative command) is given besides storage:
 * secrets sealed under the key-encryption key (found when first needed), whether it serves HTTP
 * and at which public URL, and, in HTTP mode, the audit trail.
 */
export function provideParts(
  opened: OpenedRuntime,
  server: { http: boolean; publicUrl?: string },
  audit?: Pick<AuditLog, 'record'>,
  secrets = sealedSecrets(() => keyEncryptionKey(opened)),
): void {
  opened.provide({
    secrets,
    server,
    ...(audit ? { audit: (event) => void audit.record(event) } : {}),
  });
}
