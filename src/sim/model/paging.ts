/**
 * The opaque paging tokens every simulated list hands out (NextToken, Marker, PaginationToken): an
 * offset bound to the list it was issued for, so a token of another list, another scope or another
 * model is refused as AWS refuses a token it did not issue. Each service raises its own error.
 */
export function pageToken(scope: string, offset: number): string {
  return Buffer.from(`${scope}|${offset}`).toString('base64url');
}

/** The offset `token` stands for when it was issued for `scope`; undefined for any other. */
export function tokenOffset(token: string, scope: string): number | undefined {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const at = text.lastIndexOf('|');
  if (at < 0 || text.slice(0, at) !== scope || !/^\d+$/.test(text.slice(at + 1))) return undefined;
  return Number(text.slice(at + 1));
}
