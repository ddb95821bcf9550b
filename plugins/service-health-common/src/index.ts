/**
 * The service-health plugin's shared model: the annotations it reads, the
 * health+json format, metric figures and the one trace model all trace
 * sources are converted into.
 *
 * @packageDocumentation
 */
export * from './annotations';
export * from './health';
export * from './metrics';
export * from './traces';
export * from './api';
export * from './status';
export * from './slo';
