package sqlitestore

// Placeholders until the query methods land (issue 4); every one fails.

import (
	"context"
	"errors"

	"github.com/lotline/lotline/store"
)

var errPending = errors.New("not implemented yet")

func (s *Store) Events(context.Context, store.Scan, func(*store.Event) (bool, error)) error {
	return errPending
}
func (s *Store) PutMasterData(context.Context, []store.VocabularyElement) error { return errPending }
func (s *Store) MasterData(context.Context) ([]store.VocabularyElement, error) {
	return nil, errPending
}
func (s *Store) Values(context.Context, store.ValuePage) ([]string, error) { return nil, errPending }
func (s *Store) HasValue(context.Context, store.Value) (bool, error)       { return false, errPending }
func (s *Store) CreateQuery(context.Context, *store.NamedQuery) error      { return errPending }
func (s *Store) Query(context.Context, string) (*store.NamedQuery, error) {
	return nil, errPending
}
func (s *Store) Queries(context.Context, store.QueryPage) ([]*store.NamedQuery, error) {
	return nil, errPending
}
func (s *Store) DeleteQuery(context.Context, string) error { return errPending }
