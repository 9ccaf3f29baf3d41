import type { FunctionUrlResult } from './function-url.js';
import { page, redirect } from './pages.js';

/**
 * Every page the connect function shows, worded once. A failure says what to do next and nothing
 * that helps an attacker: which check failed is in the log, not on the page — the pages tell apart
 * only what a genuine link's holder needs to know (expired, already used, declined).
 */

/** How long a consent may take, for the pages; the state expires after it. */
export const CONSENT_MINUTES = 15;

const ASK = 'Ask the person who sent it to you for a new link.';
const AGAIN = 'Open the link you were sent again.';

export const answers = {
  invalidLink: (): FunctionUrlResult =>
    page(400, { title: 'This link does not work', lines: ['It may be incomplete, or it was replaced.', ASK] }),
  expiredLink: (): FunctionUrlResult => page(410, { title: 'This link has expired', lines: [ASK] }),
  usedLink: (): FunctionUrlResult =>
    page(410, {
      title: 'This link was already used',
      lines: ['A link connects an account once. If you need to connect again, ask for a new link.'],
    }),
  notStarted: (cookies?: string[]): FunctionUrlResult =>
    page(
      400,
      { title: 'Nothing to finish here', lines: ['This page finishes a connection started from a link.', AGAIN] },
      cookies,
    ),
  otherBrowser: (): FunctionUrlResult =>
    page(400, {
      title: 'This browser did not start this connection',
      lines: [`${AGAIN} Finish in the same browser, with cookies allowed for this page.`],
    }),
  tooSlow: (cookies: string[]): FunctionUrlResult =>
    page(
      400,
      { title: 'The connection took too long', lines: [`${AGAIN} Finish within ${CONSENT_MINUTES} minutes.`] },
      cookies,
    ),
  alreadyFinished: (): FunctionUrlResult =>
    page(409, {
      title: 'This connection was already finished',
      lines: ['If this browser showed "Connected", you are done. Otherwise open the link you were sent again.'],
    }),
  denied: (provider: string, cookies: string[]): FunctionUrlResult =>
    page(
      403,
      {
        title: 'Not connected',
        lines: [
          `Access to ${provider} was not allowed, so nothing was connected.`,
          `To connect, open the link again and allow access.`,
        ],
      },
      cookies,
    ),
  providerRefused: (provider: string, cookies: string[]): FunctionUrlResult =>
    page(
      400,
      {
        title: `${provider} did not confirm the connection`,
        lines: [
          `Nothing was connected. ${AGAIN} Allow every permission it asks for.`,
          'If it keeps failing, tell the person who sent you the link.',
        ],
      },
      cookies,
    ),
  notReady: (): FunctionUrlResult =>
    page(503, {
      title: 'Connecting is not available yet',
      lines: ['Tell the person who sent you the link: the setup is not finished.'],
    }),
  failed: (cookies: string[] = []): FunctionUrlResult =>
    page(
      500,
      {
        title: 'Something went wrong',
        lines: [
          'Nothing was connected. Open the link again in a few minutes; if it keeps failing, tell the person who sent it.',
        ],
      },
      cookies,
    ),
  redirectToConsent: (url: string, cookie: string): FunctionUrlResult => redirect(url, [cookie]),
  connected: (provider: string, user: string): FunctionUrlResult =>
    page(200, { title: `Connected ${provider} for ${user}`, lines: ['You can close this tab.'] }),
  notFound: (): FunctionUrlResult =>
    page(404, { title: 'Not found', lines: ['This address only serves connect links.'] }),
  methodNotAllowed: (): FunctionUrlResult => {
    const answer = page(405, { title: 'Not allowed', lines: ['Open the link in a browser.'] });
    answer.headers.allow = 'GET';
    return answer;
  },
};
