/*
 * The `status` of every Withings answer — HTTP 200 with `{ status, body, error? }`, errors included —
 * as the reference documents it (developer.withings.com/api-reference, section "Response Status"):
 * Withings names a family per status rather than its exact nature, and says what to do about each:
 *
 * | family                  | what Withings says to do                                   | here              |
 * | ----------------------- | ---------------------------------------------------------- | ----------------- |
 * | Operation was successful| (status 0)                                                 | data              |
 * | Authentication failed   | check that your tokens are correct and properly set       | reconnect         |
 * | Too many request        | (601)                                                      | retried (backoff) |
 * | Timeout                 | the service encountered a timeout, please retry            | retried           |
 * | Invalid params          | check your tokens and your params                          | failed            |
 * | Unauthorized            | you are not allowed to call this service                   | failed            |
 * | Not implemented         | the service does not exist                                 | failed            |
 * | Bad state               | (524, undocumented)                                        | failed            |
 * | An error occurred       | check your tokens and params; contact Withings if it stays | failed            |
 *
 * A status outside the table fails as "undocumented". None of these is ever stored as data.
 */

/** A status family of the reference. */
type StatusFamily =
  | 'ok'
  | 'authentication-failed'
  | 'invalid-params'
  | 'unauthorized'
  | 'error-occurred'
  | 'timeout'
  | 'bad-state'
  | 'too-many-requests'
  | 'not-implemented';

/** `[first, last, family]`, inclusive, in the reference's order. */
const TABLE: readonly (readonly [number, number, StatusFamily])[] = [
  [0, 0, 'ok'],
  [100, 102, 'authentication-failed'],
  [200, 200, 'authentication-failed'],
  [201, 213, 'invalid-params'],
  [214, 214, 'unauthorized'],
  [215, 215, 'error-occurred'],
  [216, 218, 'invalid-params'],
  [219, 219, 'error-occurred'],
  [220, 221, 'invalid-params'],
  [222, 222, 'error-occurred'],
  [223, 223, 'invalid-params'],
  [224, 224, 'error-occurred'],
  [225, 225, 'invalid-params'],
  [226, 226, 'error-occurred'],
  [227, 230, 'invalid-params'],
  [231, 233, 'error-occurred'],
  [234, 236, 'invalid-params'],
  [237, 237, 'error-occurred'],
  [238, 238, 'invalid-params'],
  [240, 252, 'invalid-params'],
  [253, 253, 'error-occurred'],
  [254, 254, 'invalid-params'],
  [255, 259, 'error-occurred'],
  [260, 267, 'invalid-params'],
  [268, 270, 'error-occurred'],
  [271, 272, 'invalid-params'],
  [273, 274, 'error-occurred'],
  [275, 276, 'invalid-params'],
  [277, 277, 'unauthorized'],
  [278, 282, 'error-occurred'],
  [283, 288, 'invalid-params'],
  [289, 289, 'error-occurred'],
  [290, 290, 'invalid-params'],
  [291, 292, 'error-occurred'],
  [293, 295, 'invalid-params'],
  [296, 296, 'error-occurred'],
  [297, 297, 'invalid-params'],
  [298, 298, 'error-occurred'],
  [300, 304, 'invalid-params'],
  [305, 320, 'error-occurred'],
  [321, 321, 'invalid-params'],
  [322, 322, 'error-occurred'],
  [323, 353, 'invalid-params'],
  [370, 375, 'error-occurred'],
  [380, 382, 'invalid-params'],
  [383, 383, 'error-occurred'],
  [391, 391, 'error-occurred'],
  [400, 400, 'invalid-params'],
  [401, 401, 'authentication-failed'],
  [402, 402, 'error-occurred'],
  [501, 511, 'invalid-params'],
  [516, 521, 'error-occurred'],
  [522, 522, 'timeout'],
  [523, 523, 'invalid-params'],
  [524, 524, 'bad-state'],
  [525, 531, 'error-occurred'],
  [532, 532, 'invalid-params'],
  [533, 533, 'error-occurred'],
  [601, 601, 'too-many-requests'],
  [602, 602, 'error-occurred'],
  [700, 700, 'error-occurred'],
  [1051, 1054, 'error-occurred'],
  [2551, 2552, 'error-occurred'],
  [2553, 2553, 'unauthorized'],
  [2554, 2554, 'not-implemented'],
  [2555, 2555, 'unauthorized'],
  [2556, 2559, 'error-occurred'],
  [3000, 3016, 'error-occurred'],
  [3017, 3019, 'invalid-params'],
  [3020, 3024, 'error-occurred'],
  [5000, 5006, 'error-occurred'],
  [6000, 6000, 'error-occurred'],
  [6010, 6011, 'error-occurred'],
  [9000, 9000, 'error-occurred'],
  [10000, 10000, 'error-occurred'],
];

/** The reference's wording of each family. */
const MEANING: Record<StatusFamily, string> = {
  ok: 'Operation was successful',
  'authentication-failed': 'Authentication failed',
  'invalid-params': 'Invalid params',
  unauthorized: 'Unauthorized',
  'error-occurred': 'An error occurred',
  timeout: 'Timeout',
  'bad-state': 'Bad state',
  'too-many-requests': 'Too many requests',
  'not-implemented': 'Not implemented',
};

/** The family of a status, or `undefined` for one the reference does not list. */
export function statusFamily(status: number): StatusFamily | undefined {
  for (const [first, last, family] of TABLE) if (status >= first && status <= last) return family;
  return undefined;
}

/** `601 (Too many requests)`: a status and its documented meaning, for messages. */
export function describeStatus(status: number): string {
  const family = statusFamily(status);
  return `${status} (${family ? MEANING[family] : 'a status the Withings reference does not list'})`;
}

/** Does this status say the access token was refused? */
export function isAuthFailure(status: number): boolean {
  return statusFamily(status) === 'authentication-failed';
}
