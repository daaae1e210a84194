import { JS_CORE } from './js-core';
import { JS_DIALOGS } from './js-dialogs';
import { JS_EVENTS } from './js-events';
import { JS_LIST } from './js-list';
import { JS_RESOURCES } from './js-resources';
import { JS_TOKENS } from './js-tokens';
import { JS_USERS } from './js-users';

const MAIN = String.raw`
setupDialogs();
var pages = { tokens: tokensPage, users: usersPage, resources: resourcesPage, events: eventsPage };
var start = pages[document.body.getAttribute('data-page')];
if (start) start();
`;

/**
 * The panel's script, served as `assets/panel.js`: one strict-mode function around the parts, so
 * nothing leaks into the page's globals. It renders with DOM calls and `textContent` only.
 */
export const PANEL_JS = ['(function () {', "'use strict';", JS_CORE, JS_DIALOGS, JS_LIST, JS_TOKENS, JS_USERS, JS_RESOURCES, JS_EVENTS, MAIN, '})();', ''].join('\n');
