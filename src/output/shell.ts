/** Shell text: `export NAME='value'` lines that POSIX shells (sh, bash, zsh) read back unchanged with eval. */

/** Single quotes keep every character literal; a single quote itself is closed, escaped and reopened. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function shellExports(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([name, value]) => `export ${name}=${shellQuote(value)}`)
    .join('\n');
}
