import { builder } from './builder.ts';
import './errors.ts';
import './organization.ts';
import './api-key.ts';
import './event.ts';
import './definition.ts';
import './destination.ts';
import './deletion.ts';
import './alert-webhook.ts';

export const schema = builder.toSchema({ sortSchema: true });
