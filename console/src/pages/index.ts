import type { Page } from '../page.js';
import { callbacksPage } from './callbacks.js';
import { configPage } from './config.js';
import { dashboard } from './dashboard.js';
import { recordingsPage } from './recordings.js';
import { relaysPage } from './relays.js';
import { streamPage } from './stream.js';

/**
 * Every page, in the order of the navigation. A new area is a module in this folder exporting a
 * Page with its `path` and `nav`, added to this list.
 */
export const pages: readonly Page[] = [dashboard, streamPage, callbacksPage, recordingsPage, relaysPage, configPage];
