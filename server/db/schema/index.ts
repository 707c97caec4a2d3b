export * from './organizations.ts';
export * from './api-keys.ts';
export * from './events.ts';
export * from './destinations.ts';
export * from './definitions.ts';
export * from './deletions.ts';
export * from './alerts.ts';
