import type { EventConsumer } from '../consumer.ts';
import { itemActivity } from './item-activity.ts';

/** The consumers this service runs (when EVENTS_CONSUMERS_ENABLED is not false). */
export const consumers: EventConsumer[] = [itemActivity];
