package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lotline/lotline/store"
)

// Master data is one row per (type, id) with the element as JSON; merges
// are done in Go inside the write transaction, so concurrent captures of
// the same element cannot lose each other's attributes.

// mdDoc is the stored form of a vocabulary element's content.
type mdDoc struct {
	Attributes []mdAttr `json:"attributes,omitempty"`
	Children   []string `json:"children,omitempty"`
}

// mdAttr keeps an attribute's JSON value as bytes (base64 in the
// document), so any value captured round-trips exactly.
type mdAttr struct {
	ID    string `json:"id"`
	Value []byte `json:"value"`
}

// PutMasterData implements store.MasterDataStore.
func (s *Store) PutMasterData(ctx context.Context, elems []store.VocabularyElement) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	if len(elems) == 0 {
		return nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlitestore: begin: %w", err)
	}
	defer tx.Rollback()
	if err := putMasterDataTx(ctx, tx, elems, time.Now().UTC()); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlitestore: commit: %w", err)
	}
	return nil
}

// putMasterDataTx merges elems into the stored master data within tx.
func putMasterDataTx(ctx context.Context, tx *sql.Tx, elems []store.VocabularyElement, now time.Time) error {
	for _, el := range elems {
		var doc mdDoc
		var old []byte
		err := tx.QueryRowContext(ctx, `SELECT doc FROM masterdata WHERE type = ? AND id = ?`, el.Type, el.ID).Scan(&old)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("sqlitestore: read master data: %w", err)
		default:
			if err := json.Unmarshal(old, &doc); err != nil {
				return fmt.Errorf("sqlitestore: decode master data: %w", err)
			}
		}
		merge(&doc, el)
		b, err := json.Marshal(doc)
		if err != nil {
			return fmt.Errorf("sqlitestore: encode master data: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO masterdata (type, id, updated_at, doc) VALUES (?, ?, ?, ?)`,
			el.Type, el.ID, now.UnixNano(), b); err != nil {
			return fmt.Errorf("sqlitestore: write master data: %w", err)
		}
	}
	return nil
}

// merge applies a captured element to the stored one: attributes replace
// those with the same ID in place, new ones are appended, and children
// are replaced only when the capture listed them.
func merge(doc *mdDoc, el store.VocabularyElement) {
	for _, a := range el.Attributes {
		replaced := false
		for i := range doc.Attributes {
			if doc.Attributes[i].ID == a.ID {
				doc.Attributes[i].Value = a.Value
				replaced = true
				break
			}
		}
		if !replaced {
			doc.Attributes = append(doc.Attributes, mdAttr{ID: a.ID, Value: a.Value})
		}
	}
	if el.HasChildren {
		doc.Children = append([]string(nil), el.Children...)
	}
}

// MasterData implements store.MasterDataStore.
func (s *Store) MasterData(ctx context.Context, types ...string) ([]store.VocabularyElement, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	q, args := `SELECT type, id, updated_at, doc FROM masterdata ORDER BY type, id`, []any(nil)
	if len(types) > 0 {
		q = `SELECT type, id, updated_at, doc FROM masterdata WHERE type IN (?` + strings.Repeat(",?", len(types)-1) + `) ORDER BY type, id`
		args = anys(types)
	}
	return s.readMasterData(ctx, nil, q, args)
}

// VocabularyElements implements store.MasterDataStore.
func (s *Store) VocabularyElements(ctx context.Context, typ string, ids []string) ([]store.VocabularyElement, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	var out []store.VocabularyElement
	for chunk := range slices.Chunk(ids, 500) {
		q := `SELECT type, id, updated_at, doc FROM masterdata WHERE type = ? AND id IN (?` + strings.Repeat(",?", len(chunk)-1) + `)`
		var err error
		if out, err = s.readMasterData(ctx, out, q, append([]any{typ}, anys(chunk)...)); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b store.VocabularyElement) int { return strings.Compare(a.ID, b.ID) })
	return slices.CompactFunc(out, func(a, b store.VocabularyElement) bool { return a.ID == b.ID }), nil
}

// readMasterData appends the elements a query of (type, id, updated_at,
// doc) rows returns.
func (s *Store) readMasterData(ctx context.Context, out []store.VocabularyElement, q string, args []any) ([]store.VocabularyElement, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.readErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var el store.VocabularyElement
		var at int64
		var b []byte
		if err := rows.Scan(&el.Type, &el.ID, &at, &b); err != nil {
			return nil, s.readErr(err)
		}
		var doc mdDoc
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("sqlitestore: decode master data: %w", err)
		}
		for _, a := range doc.Attributes {
			el.Attributes = append(el.Attributes, store.Attribute{ID: a.ID, Value: a.Value})
		}
		el.Children = doc.Children
		el.HasChildren = doc.Children != nil
		el.UpdatedAt = time.Unix(0, at).UTC()
		out = append(out, el)
	}
	return out, s.wrapNil(rows.Err())
}
