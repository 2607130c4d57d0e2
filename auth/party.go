package auth

import (
	"errors"
	"fmt"

	"github.com/lotline/lotline/gs1"
)

// ParseParty checks a party identifier and returns its canonical form, the
// PGLN as a GS1 Digital Link (https://id.gs1.org/417/{GLN}). It accepts a
// PGLN or an SGLN without extension, as EPC URN or Digital Link, or a bare
// 13-digit GLN: a GLN names one party however it is written.
func ParseParty(s string) (string, error) {
	gln := s
	if len(s) != 13 {
		e, err := gs1.ParseEPC(s)
		if err != nil {
			return "", fmt.Errorf("party %q: %w", s, err)
		}
		switch {
		case e.Scheme == gs1.PGLN:
		case e.Scheme == gs1.SGLN && e.Serial == "":
		default:
			return "", fmt.Errorf("party %q: not a GLN (a PGLN or an SGLN without extension)", s)
		}
		gln = e.GLN()
	}
	e, err := gs1.NewEPC(gs1.PGLN, gln, "")
	if err != nil {
		return "", fmt.Errorf("party %q: %w", s, err)
	}
	return e.Canonical(), nil
}

// ErrInvalid is the one error a caller learns about bad credentials: which
// part failed (unknown key, wrong secret, revoked, expired, bad signature)
// is logged, not answered.
var ErrInvalid = errors.New("invalid credentials")
