/**
 * The OAuth scopes of this server: pa:read for tools that only read, pa:write for those that
 * change data. The tool declarations, the authorization server and the bearer check all read them.
 */
export const SCOPES = { read: 'pa:read', write: 'pa:write' } as const;
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

/** Every scope of this server, space-separated (the default when a request names none). */
export const EVERY_SCOPE = `${SCOPES.read} ${SCOPES.write}`;
