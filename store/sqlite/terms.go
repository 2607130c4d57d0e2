package sqlitestore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/lotline/lotline/store"
)

// Index terms are stored in a contentless FTS5 table whose rowid is the
// event's seq. Each term becomes one token: the 64-bit FNV-1a hash of the
// term text in base 36, which the ascii tokenizer keeps whole. A lookup
// of a term is an FTS5 match on its token, and a conjunction of term
// disjunctions is an FTS5 query ("a AND (b OR c)"), answered from
// compressed posting lists in seq order.
//
// FTS5 buffers the postings of a transaction in memory and writes them as
// one segment at commit, which costs about a fifth of one B-tree row per
// term (see docs/decisions/0004-sqlite-terms-in-fts5.md). Two terms may
// share a token (about one chance in 10^19 per pair); the query layer's
// residual check of every candidate event makes that harmless.

// token is the FTS5 token of an index term.
func token(term string) string {
	return string(appendToken(nil, term))
}

func appendToken(b []byte, term string) []byte {
	return strconv.AppendUint(append(b, 't'), termHash(term), 36)
}

// termHash is the 64-bit FNV-1a hash of a term, which its token spells.
func termHash(term string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(term); i++ {
		h ^= uint64(term[i])
		h *= prime
	}
	return h
}

// tokenHash is the hash a token spells.
func tokenHash(tok string) uint64 {
	h, _ := strconv.ParseUint(tok[1:], 36, 64)
	return h
}

// appendTokens appends the space-separated tokens of terms.
func appendTokens(b []byte, terms []string) []byte {
	for i, t := range terms {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendToken(b, t)
	}
	return b
}

// appendTermRows appends the rows of the stored events among events
// (seqs[i] > 0) that have terms.
func appendTermRows(rows []committedEvent, seqs []int64, events []*store.Event) []committedEvent {
	for i, e := range events {
		if seqs[i] > 0 && len(e.Terms) > 0 {
			rows = append(rows, committedEvent{seq: seqs[i], terms: e.Terms})
		}
	}
	return rows
}

// writeTerms indexes rows, in seq order, with multi-row INSERTs into the
// FTS5 table: one statement per 64 events instead of one per event. The
// tokens of all rows share one buffer, reused by the next group.
func (t *txWriter) writeTerms(ctx context.Context, rows []committedEvent) error {
	if len(rows) == 0 {
		return nil
	}
	slices.SortFunc(rows, func(a, b committedEvent) int { return cmp.Compare(a.seq, b.seq) })
	t.ws.toks = t.ws.toks[:0]
	ends := make([]int, len(rows))
	for i, r := range rows {
		t.ws.toks = appendTokens(t.ws.toks, r.terms)
		ends[i] = len(t.ws.toks)
	}
	args := t.ws.args[:0]
	start := 0
	for i, r := range rows {
		args = append(args, r.seq, t.ws.toks[start:ends[i]:ends[i]])
		start = ends[i]
	}
	t.ws.args = args
	if err := t.insertRows(ctx, &t.ws.terms, args); err != nil {
		return fmt.Errorf("sqlitestore: index events: %w", err)
	}
	return nil
}
