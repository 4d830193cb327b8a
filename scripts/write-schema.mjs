// Writes labs/lab.schema.json (for editors) from the same zod schema the loader validates with.
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { labSchemas } from '../dist/labs/schema.js';

const schema = z.toJSONSchema(labSchemas().lab, { io: 'input', unrepresentable: 'any' });
schema.title = 'aurora-lab lab file';
writeFileSync(new URL('../labs/lab.schema.json', import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
console.log('wrote labs/lab.schema.json');
