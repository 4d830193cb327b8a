/** Templates: `{{ jmespath }}` inside lab strings, rendered against the run context. */
import { describe, expect, it } from 'vitest';
import { compileCheck, evaluate, expressionsIn, render, renderString, TemplateError, truthy } from '../../src/labs/template.js';

const ctx = {
  run: { id: 'abc123', prefix: 'al-abc123' },
  engine: 'aurora-postgresql',
  params: { db: 'lab', count: 3 },
  vars: { subnetIds: ['subnet-1', 'subnet-2'], port: 5432, writer: { id: 'w1' }, empty: null },
};

describe('templates', () => {
  it('a string that is exactly one template keeps the expression type (list, number, object, boolean)', () => {
    expect(renderString('{{ vars.subnetIds }}', ctx)).toEqual(['subnet-1', 'subnet-2']);
    expect(renderString('{{ vars.port }}', ctx)).toBe(5432);
    expect(renderString('{{vars.writer}}', ctx)).toEqual({ id: 'w1' });
    expect(renderString("{{ params.db == 'lab' }}", ctx)).toBe(true);
  });

  it('text around templates interpolates: strings as is, other values as JSON, null as nothing', () => {
    expect(renderString('{{ run.prefix }}-subnets', ctx)).toBe('al-abc123-subnets');
    expect(renderString('port {{ vars.port }} of {{ vars.subnetIds }}', ctx)).toBe('port 5432 of ["subnet-1","subnet-2"]');
    expect(renderString('x{{ vars.empty }}y', ctx)).toBe('xy');
    expect(renderString('no templates here', ctx)).toBe('no templates here');
  });

  it('a member whose template evaluates to null is dropped, so optional SDK inputs stay unset', () => {
    const out = render({ Engine: '{{ engine }}', EngineVersion: '{{ vars.missing }}', Nested: { A: '{{ vars.empty }}', B: 1 }, List: ['{{ vars.port }}'] }, ctx);
    expect(out).toEqual({ Engine: 'aurora-postgresql', Nested: { B: 1 }, List: [5432] });
    expect(Object.keys(out as object)).not.toContain('EngineVersion');
  });

  it('render copies and never mutates its input', () => {
    const input = { A: ['{{ vars.port }}'] };
    const out = render(input, ctx) as { A: unknown[] };
    expect(input).toEqual({ A: ['{{ vars.port }}'] });
    expect(out.A).not.toBe(input.A);
  });

  it('expressionsIn finds every template expression in nested values', () => {
    expect(expressionsIn({ a: '{{ vars.x }} and {{ params.y }}', b: ['{{ run.id }}', 3, null], c: { d: 'plain' } })).toEqual(['vars.x', 'params.y', 'run.id']);
    expect(expressionsIn('nothing')).toEqual([]);
  });

  it('an expression that does not compile or evaluate throws TemplateError naming it', () => {
    expect(() => compileCheck('foo[')).toThrow(TemplateError);
    expect(() => compileCheck('foo[')).toThrow(/invalid JMESPath "foo\["/);
    expect(() => compileCheck('vars.x')).not.toThrow();
    const err = (() => {
      try {
        renderString('{{ foo[ }}', ctx);
      } catch (e) {
        return e as TemplateError;
      }
    })();
    expect(err).toBeInstanceOf(TemplateError);
    expect(err!.expression).toBe('foo[');
    expect(() => evaluate('length(`1`)', ctx)).toThrow(TemplateError);
  });

  it('truthiness follows JMESPath: false, null, empty string, list and object are false', () => {
    for (const v of [false, null, undefined, '', [], {}]) expect(truthy(v)).toBe(false);
    for (const v of [true, 0, 'x', [0], { a: 1 }]) expect(truthy(v)).toBe(true);
  });
});
