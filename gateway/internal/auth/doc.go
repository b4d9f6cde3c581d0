// Package auth holds the gateway's authentication and authorisation
// primitives, kept apart from HTTP so that each can be tested on its own and
// reviewed in one place:
//
//   - passwords: argon2id hashes in PHC form, a constant-time check and a
//     dummy check that makes an unknown user cost as much as a wrong password;
//   - tokens: EdDSA-signed JWTs for the API, with a strict verifier;
//   - the gateway's Ed25519 signing key on disk;
//   - a per-key token-bucket Limiter for login attempts;
//   - the role → action matrix (Can);
//   - TOTP and recovery codes for multi-factor login.
//
// Nothing here logs: callers decide what to record, and no secret ever
// leaves this package in an error message.
package auth
