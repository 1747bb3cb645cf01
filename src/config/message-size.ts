const MB = 1024 * 1024;

/** The largest MCP message accepted: the biggest allowed upload in base64, plus room for the rest. */
export function maxMessageBytes(maxFileSizeMb: number): number {
  return Math.max(16 * MB, Math.ceil((maxFileSizeMb * MB * 4) / 3) + 4 * MB);
}
