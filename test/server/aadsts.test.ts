/** The sentences admins read for Microsoft's AADSTS errors (pure functions). */
import { describe, expect, it } from 'vitest';
import { describeAadError, describeAuthorizeError } from '../../server/microsoft/identity.js';

describe('describeAadError', () => {
  it('explains the code a restarted identity platform answers with (9002313)', () => {
    const text =
      'AADSTS9002313: Invalid request. Request is malformed or invalid. Trace ID: 0f7c1d2e-0000-4000-8000-000000000000 Correlation ID: 1 Timestamp: 2026-12-01 07:00:00Z';
    expect(describeAadError(text)).toBe(
      'Microsoft found the request malformed or invalid, usually a refresh token it no longer accepts (for example after the identity platform or the simulator lost its state). Authorize again. (AADSTS9002313)',
    );
  });

  it('gives an unknown code as Microsoft\'s sentence without trace ids, with the lookup link', () => {
    expect(describeAadError('AADSTS123456: The widget frobnicator is unavailable. Trace ID: abc Correlation ID: def')).toBe(
      'Microsoft refused the request: The widget frobnicator is unavailable. (AADSTS123456; see https://login.microsoftonline.com/error?code=123456).',
    );
  });

  it('is null for text without a code, and the redirect error is worded without one', () => {
    expect(describeAadError('invalid_grant')).toBeNull();
    expect(describeAuthorizeError('access_denied', null)).toBe('The sign-in or consent was cancelled at Microsoft, so nothing was authorized.');
    expect(describeAuthorizeError('access_denied', 'AADSTS65004: User declined to consent to access the app.')).toBe(
      'The administrator declined to consent to the app. (AADSTS65004)',
    );
  });
});
