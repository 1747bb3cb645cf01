/**
 * The error classes that cross layers, in one place. How each reaches a person: src/mcp/errors.ts
 * maps them for MCP clients (a UserError verbatim, anything else as a reference into the log);
 * the CLI exits with code 2 for ConfigError, UserError and RowSecurityNotEnforcedError, 1 for the rest.
 */

/**
 * An error the user caused and can fix. Its message is shown to them (as an MCP tool error) as it
 * is, so it names the field and the fix, and never carries SQL, paths or secrets.
 */
export class UserError extends Error {
  override name = 'UserError';
}

export class InvalidInputError extends UserError {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

export class NotFoundError extends UserError {
  constructor(kind: string, id: string, field: string, hint: string) {
    super(`${field}: no ${kind} has the id ${JSON.stringify(id)}. ${hint}`);
  }
}

/** A configuration the server refuses to start with; the message names each key and what it allows. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * A PostgreSQL deployment where row-level security is not in force (the role can bypass it, or a
 * table lacks it): the server refuses to start, since tenants would not be kept apart. Not a
 * configuration key: the database's roles and tables are what must change.
 */
export class RowSecurityNotEnforcedError extends Error {
  override name = 'RowSecurityNotEnforcedError';
}

/** A fetch refused because its target is not a public address. */
export class BlockedTargetError extends Error {
  constructor(readonly host: string) {
    super(`refused to fetch from ${host}: it is not a public internet address`);
    this.name = 'BlockedTargetError';
  }
}

/** An access token this server will not accept; the message is safe to send back (RFC 6750 error_description). */
export class TokenRejected extends Error {
  override name = 'TokenRejected';
}

/** The token could not be checked at all (issuer unreachable): a server-side problem, not the client's. */
export class TokenUnverifiable extends Error {
  override name = 'TokenUnverifiable';
}

/** A storage problem the user can fix (wrong key, unreachable server); the message says how. */
export class StorageError extends Error {
  override name = 'StorageError';
}

/** The error a read throws when a document's bytes are not where its row says. */
export class MissingBlobError extends Error {
  override name = 'MissingBlobError';
}
