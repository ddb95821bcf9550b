// `npm run openapi`: writes openapi.json, the OpenAPI document this service serves at /docs/json. The catalog
// reads the committed file (catalog-info.yaml: the API entity's definition); test/openapi.test.ts fails when it
// no longer matches the routes, so run this after changing a route's schema and commit the result.
import { writeFile } from 'node:fs/promises';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const app = await buildApp(loadConfig({ ...process.env, LOG_LEVEL: 'silent', DOCS_ENABLED: 'true' }));
await app.ready();
await writeFile('openapi.json', `${JSON.stringify(app.swagger(), null, 2)}\n`);
await app.close();
