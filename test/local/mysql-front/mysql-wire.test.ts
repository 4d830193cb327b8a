/**
 * The MySQL front's packet handling without a server: which client packets are rewritten, and that
 * everything else goes on byte for byte however the bytes arrive.
 */
import { describe, expect, it } from 'vitest';
import { nativeHash, nativeScramble } from '../../../src/local/engines/mysql/mysql-iam.js';
import { CommandRewriter, COM_QUERY, COM_STMT_PREPARE, packet } from '../../../src/local/engines/mysql/mysql-wire.js';

const command = (code: number, text: string, seq = 0) => packet(seq, Buffer.concat([Buffer.from([code]), Buffer.from(text, 'latin1')]));
const upper = () => new CommandRewriter((sql) => sql.replace('x', 'XX'));

describe('CommandRewriter', () => {
  it('rewrites the text of COM_QUERY and COM_STMT_PREPARE and frames it again', () => {
    expect(upper().feed(command(COM_QUERY, 'select x'))).toEqual(command(COM_QUERY, 'select XX'));
    expect(upper().feed(command(COM_STMT_PREPARE, 'select x'))).toEqual(command(COM_STMT_PREPARE, 'select XX'));
  });

  it('passes other commands, and packets that are not the start of a command, as they are', () => {
    const ping = packet(0, Buffer.from([0x0e]));
    const localInfileData = command(COM_QUERY, 'x data of a file', 2);
    const execute = packet(0, Buffer.from([0x17, 1, 0, 0, 0, 0, 1, 0, 0, 0]));
    const all = Buffer.concat([ping, localInfileData, execute]);
    expect(upper().feed(all)).toEqual(all);
  });

  it('waits for whole packets however the bytes are cut', () => {
    const r = upper();
    const bytes = Buffer.concat([command(COM_QUERY, 'select x'), packet(0, Buffer.from([0x0e]))]);
    const out: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 3) out.push(r.feed(bytes.subarray(i, i + 3)));
    expect(Buffer.concat(out)).toEqual(Buffer.concat([command(COM_QUERY, 'select XX'), packet(0, Buffer.from([0x0e]))]));
  });

  it('joins a query of 16 MiB or more across its frames before rewriting it', () => {
    const big = 'select x, ' + "'".padEnd(0xffffff, 'a') + "'";
    const framed = command(COM_QUERY, big);
    expect(framed.readUIntLE(0, 3)).toBe(0xffffff);
    const out = upper().feed(framed);
    // Buffer.equals: a deep comparison of 16 MiB element by element takes minutes.
    expect(out.equals(command(COM_QUERY, big.replace('x', 'XX')))).toBe(true);
    expect(out.length).toBe(framed.length + 1);
    expect(out[0xffffff + 4 + 3]).toBe(1);
  });
});

describe('mysql_native_password', () => {
  it('scrambles the way the server checks: SHA1(pw) recovered from the answer hashes to the stored hash', async () => {
    const { createHash } = await import('node:crypto');
    const password = Buffer.from('secret-password');
    const salt = Buffer.from('0123456789abcdefghij');
    const answer = nativeScramble(password, salt);
    const stored = Buffer.from(nativeHash(password).slice(1), 'hex');
    const mix = createHash('sha1').update(salt).update(stored).digest();
    const stage1 = Buffer.from(answer.map((b, i) => b ^ mix[i]!));
    expect(createHash('sha1').update(stage1).digest()).toEqual(stored);
  });
});
