/* Starts the page `<body data-page>` names, once every part above is defined. */
setupDialogs();
const PAGES: Record<string, () => void> = { tokens: tokensPage, users: usersPage, resources: resourcesPage, events: eventsPage };
const startPage = PAGES[document.body.getAttribute('data-page') as string];
if (startPage) startPage();
