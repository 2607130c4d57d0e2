package store

import "context"

// SecretStore keeps the secrets every server sharing a store must agree
// on, such as the key that signs page tokens: a token made by one server
// is then good on all of them.
type SecretStore interface {
	// Secret returns the secret stored under name. When there is none it
	// stores fresh and returns it: of servers racing to store one, every
	// one gets the secret stored first. fresh must not be empty.
	Secret(ctx context.Context, name string, fresh []byte) ([]byte, error)
}
