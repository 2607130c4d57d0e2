// Package auth authenticates the parties that call Lotline: API keys
// (issued by `lotline keys create`, stored as a SHA-256 digest, revocable)
// and OAuth2 bearer JWTs signed by keys the operator configures (RS256,
// ES256, EdDSA; never fetched over the network). Both name a party: a GS1
// GLN, kept in one canonical form (ParseParty) so that the same company
// is the same owner whichever way it signs in.
//
// The package decides who is calling, not what they may see: the API
// turns the Principal into the owners a request may read.
package auth
