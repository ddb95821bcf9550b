/**
 * The shared model of template updates: the annotations a versioned template
 * and the services made from it carry, the record a created repository keeps,
 * changelog sections, and how far a service is behind its template.
 *
 * @packageDocumentation
 */
export * from './annotations';
export * from './api';
export * from './changelog';
export * from './versions';
