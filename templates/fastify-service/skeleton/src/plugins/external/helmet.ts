// Security headers. The default CSP suits an API; /docs serves its assets from 'self'.
export { default } from '@fastify/helmet';
