/**
 * An AWS call step. A create is recorded in state BEFORE it is sent (status 'creating') and again as
 * soon as it returns ('created'), before any wait: a crash in between leaves a record that teardown
 * and resume both act on. A resumed create that meets "already exists" adopts the resource only if its
 * tags name this run.
 */
import { AwsError } from '../../errors.js';
import type { AwsStep } from '../../labs/schema.js';
import { evaluate, render } from '../../labs/template.js';
import type { SimService } from '../../sim/types.js';
import type { ResourceRecord, StepRecord } from '../../state/run-state.js';
import type { RunContext } from '../context.js';
import { recordCall, type Execution } from '../execution.js';
import { resolveSecretValues } from './secret-values.js';
import { TAG_RUN_ID, tagValue, withRunTags } from '../tags.js';
import { ALREADY_EXISTS_CODES, describeResource } from '../teardown/resource-types.js';
import type { ResourceType } from '../../labs/schema.js';

export async function runAwsStep(ex: Execution, step: AwsStep, ctx: RunContext, rec: StepRecord): Promise<void> {
  const items = forEachItems(step.forEach, ctx);
  const results = await Promise.all(items.map((item) => callOnce(ex, step, item === NO_ITEM ? ctx : { ...ctx, item }, rec)));
  for (const [name, expr] of Object.entries(step.capture ?? {})) {
    // Captures read the output as JSON (timestamps as ISO 8601 text): the form a captured value has once
    // state is saved, so a resumed run sees the same value, and ISO dates compare in order as text.
    const values = results.map((out, i) => evaluate(String(render(expr, items[i] === NO_ITEM ? ctx : { ...ctx, item: items[i] })), JSON.parse(JSON.stringify(out)) as unknown));
    ex.state.vars[name] = items[0] === NO_ITEM ? values[0] : values;
  }
}

export const NO_ITEM = Symbol('no item');

export function forEachItems(forEach: unknown, ctx: RunContext): unknown[] {
  if (forEach === undefined) return [NO_ITEM];
  const items = render(forEach, ctx);
  // A count n (a lab parameter such as a number of sessions) runs the step n times, with items 1..n:
  // JMESPath cannot slice a list by a value from the context.
  if (typeof items === 'number' && Number.isInteger(items) && items >= 0 && items <= 64) return Array.from({ length: items }, (_, i) => i + 1);
  if (!Array.isArray(items)) throw new AwsError(`forEach must give a list, got ${JSON.stringify(items)}`, { code: 'LAB_RUNTIME' });
  return items;
}

async function callOnce(ex: Execution, step: AwsStep, ctx: RunContext, rec: StepRecord): Promise<Record<string, unknown>> {
  const region = step.region ? String(render(step.region, ctx)) : ex.state.region;
  // A generated password is known to the run from here on, so any message that echoes it is redacted.
  let input = render(step.input, ctx, { secret: (v) => ex.secrets.add(v), now: () => ex.target.clients.clock.now() }) as Record<string, unknown>;
  let resource: ResourceRecord | undefined;
  if (step.creates) {
    input = withRunTags(step.service, step.operation, input, ctx.tags);
    const id = String(render(step.creates.id, ctx));
    const resRegion = step.creates.region ? String(render(step.creates.region, ctx)) : region;
    resource = ex.state.resources.find((r) => r.type === step.creates!.type && r.id === id && r.region === resRegion);
    if (!resource) {
      resource = { type: step.creates.type, id, region: resRegion, status: 'creating', stepId: step.id, createdAt: new Date().toISOString() };
      ex.state.resources.push(resource);
    }
    await ex.persist();
    // The create returned before an interruption: do not send it again, take up what it made.
    if (resource.status === 'created') {
      const output = await alreadyCreated(ex, resource);
      if (output) return output;
    }
  }
  // Read from Secrets Manager only now, when the call is sent: the value is in no state, var or file.
  input = (await resolveSecretValues(ex, rec, input, region)) as Record<string, unknown>;
  await recordCall(ex, rec, { service: step.service, operation: step.operation, input, region });
  let output: Record<string, unknown>;
  try {
    output = await ex.target.clients.send(step.service as SimService, step.operation, input, { region, signal: ex.signal });
  } catch (err) {
    const code = err instanceof AwsError ? err.awsCode : undefined;
    if (code && step.acceptErrors?.includes(code)) {
      ex.reporter.emit({ code: 'aws.accepted-error', level: 'info', message: `${step.operation}: ${code} (accepted)` });
      return {};
    }
    if (resource && code && ALREADY_EXISTS_CODES[resource.type as ResourceType]?.includes(code)) {
      output = await adopt(ex, resource, err as AwsError);
    } else {
      throw err;
    }
  }
  if (resource) {
    resource.status = 'created';
    resource.arn = findArn(output);
    await ex.persist();
    ex.reporter.emit({ code: 'resource.created', level: 'info', message: `created ${resource.type} ${resource.id}`, data: { ...resource } });
  }
  return output;
}

/** The create output of a resource this run recorded as created, if it is still there and still tagged as ours. */
async function alreadyCreated(ex: Execution, resource: ResourceRecord): Promise<Record<string, unknown> | undefined> {
  const found = await describeResource(ex.target.clients, resource.type as ResourceType, resource.id, resource.region, ex.signal);
  if (!found.exists || tagValue(found.tags, TAG_RUN_ID) !== ex.state.runId || !found.createOutput) return undefined;
  ex.reporter.emit({ code: 'resource.adopted', level: 'info', message: `${resource.type} ${resource.id} was created before the interruption; adopting it` });
  return found.createOutput;
}

async function adopt(ex: Execution, resource: ResourceRecord, err: AwsError): Promise<Record<string, unknown>> {
  const found = await describeResource(ex.target.clients, resource.type as ResourceType, resource.id, resource.region);
  const owner = tagValue(found.tags, TAG_RUN_ID);
  if (!found.exists || owner !== ex.state.runId || !found.createOutput) {
    // Not ours: forget the record so teardown never touches someone else's resource.
    ex.state.resources = ex.state.resources.filter((r) => r !== resource);
    throw new AwsError(`${resource.type} ${resource.id} already exists and does not belong to run ${ex.state.runId}`, {
      code: 'RESOURCE_CONFLICT',
      awsCode: err.awsCode,
      hint: owner ? `it belongs to run ${owner}: tear that run down first (\`aurora-lab teardown ${owner}\`)` : 'rename it or choose another --run-id',
      cause: err,
    });
  }
  ex.reporter.emit({ code: 'resource.adopted', level: 'info', message: `${resource.type} ${resource.id} was created before the interruption; adopting it` });
  return found.createOutput;
}

function findArn(output: Record<string, unknown>): string | undefined {
  for (const v of Object.values(output)) {
    if (v && typeof v === 'object') {
      for (const [k, inner] of Object.entries(v as Record<string, unknown>)) {
        if (/Arn$/.test(k) && typeof inner === 'string' && /^arn:/.test(inner) && /^(DBClusterArn|DBInstanceArn|DBClusterSnapshotArn|DBSnapshotArn|GlobalClusterArn|DBSubnetGroupArn|DBClusterParameterGroupArn|DBParameterGroupArn)$/.test(k)) {
          return inner;
        }
      }
    }
  }
  // Secrets Manager answers CreateSecret with the ARN at the top level.
  if (typeof output.ARN === 'string' && /^arn:aws[a-z-]*:secretsmanager:/.test(output.ARN)) return output.ARN;
  return undefined;
}
