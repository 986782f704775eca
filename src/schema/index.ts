/** The schema: each domain file registers its types on the builder when imported. */
import { builder } from './builder.js';
import './scalars.js';
import './money.js';
import './merchants.js';
import './payments.js';
import './api-keys.js';
import './dead-letters.js';
import './analytics.js';
import './wallets.js';
import './orders.js';
import './tracking.js';
import './announcements.js';
import './audit.js';
import './presence.js';
import './notifications.js';
import './webhooks.js';
import './dashboard.js';
import './relay.js';

export const schema = builder.toSchema({ sortSchema: true });
