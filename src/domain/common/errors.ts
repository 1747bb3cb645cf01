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
