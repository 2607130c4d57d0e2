package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/store"
)

const keysUsage = `Usage:
  lotline keys create --party GLN [--name NAME] [--role party|operator] [--rate N] [--data DIR | --store URI]
  lotline keys list [--data DIR | --store URI]
  lotline keys revoke [--data DIR | --store URI] KEYID

API keys authenticate trading partners: a client sends its key as
Authorization: Bearer KEY. The key is printed once, at creation; the store
keeps only a digest. Once any key exists, the server requires credentials
on every request but /healthz and /readyz. A revoked key stops working
within 5 seconds on every server of the store. An operator key (--role
operator) manages keys (/keys) and sharing rules over HTTP and reads no
events. --rate gives the key its own quota in requests per minute. See
docs/security.md.
`

// runKeys is `lotline keys`: create, list and revoke API keys in the store
// a server uses (the embedded one in --data, or --store).
func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return &exitError{2, errors.New("keys: no subcommand given (create, list or revoke)")}
	}
	sub := args[0]
	fs := flag.NewFlagSet("lotline keys "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, keysUsage) }
	data, uri := storeFlags(fs, getenv)
	party := fs.String("party", "", "the party the key authenticates: a GLN (13 digits, PGLN/SGLN URN or Digital Link)")
	name := fs.String("name", "", "a label for the key (who or what uses it)")
	roleName := fs.String("role", "party", "party (reads and writes the party's data) or operator (manages keys and sharing rules, reads no events)")
	rate := fs.Int("rate", 0, "the key's quota in requests per minute; 0: the server's --key-rate")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	want := map[string]int{"create": 0, "list": 0, "revoke": 1}
	n, ok := want[sub]
	if !ok {
		fmt.Fprint(stderr, keysUsage)
		return &exitError{2, fmt.Errorf("keys: unknown subcommand %q (create, list or revoke)", sub)}
	}
	if len(pos) != n {
		return &exitError{2, fmt.Errorf("keys %s takes %d argument(s), got %q", sub, n, pos)}
	}
	var canonical, role string
	if sub == "create" {
		if role, err = auth.ParseRole(*roleName); err != nil {
			return &exitError{2, fmt.Errorf("keys create: %w", err)}
		}
		if *rate < 0 {
			return &exitError{2, errors.New("keys create: --rate must not be negative")}
		}
		p, err := auth.ParseParty(*party)
		if *party == "" {
			err = errors.New("--party is required")
		}
		if err != nil {
			return &exitError{2, fmt.Errorf("keys create: %w", err)}
		}
		canonical = p
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := openStore(ctx, &serveConfig{Data: *data, Store: *uri}, log)
	if err != nil {
		return err
	}
	defer st.Close()
	ks, ok := st.Store.(store.KeyStore)
	if !ok {
		return fmt.Errorf("keys: the store %s keeps no API keys", st.where)
	}
	switch sub {
	case "create":
		return createKey(ctx, ks, &store.APIKey{Party: canonical, Name: *name, Role: role, RateLimit: *rate}, stdout, stderr)
	case "list":
		return listKeys(ctx, ks, stdout)
	default:
		err := ks.RevokeKey(ctx, pos[0], time.Now().UTC())
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("keys revoke: no key %q", pos[0])
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "key %s revoked; servers refuse it within %s\n", pos[0], auth.DefaultCacheTTL)
		return nil
	}
}

// createKey stores a new key like k (party, name, role, rate) and prints
// it once.
func createKey(ctx context.Context, ks store.KeyStore, k *store.APIKey, stdout, stderr io.Writer) error {
	party := k.Party
	for range 3 { // a clash of 64-bit random IDs is all but impossible; retry anyway
		id, key, digest := auth.NewKey()
		nk := *k
		nk.ID, nk.Hash = id, digest
		err := ks.CreateKey(ctx, &nk)
		var dup *store.DuplicateError
		if errors.As(err, &dup) {
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, key)
		what := "key"
		if k.Role == auth.RoleOperator {
			what = "operator key"
		}
		fmt.Fprintf(stderr, "created %s %s for party %s; it is shown only this once: store it now\n", what, id, party)
		return nil
	}
	return errors.New("keys create: could not find a free key ID")
}

func listKeys(ctx context.Context, ks store.KeyStore, stdout io.Writer) error {
	keys, err := ks.APIKeys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPARTY\tNAME\tROLE\tRATE\tCREATED\tREVOKED")
	for _, k := range keys {
		revoked := "-"
		if !k.RevokedAt.IsZero() {
			revoked = k.RevokedAt.Format(time.RFC3339)
		}
		name := k.Name
		if name == "" {
			name = "-"
		}
		role, rate := "party", "-"
		if k.Role != auth.RoleParty {
			role = k.Role
		}
		if k.RateLimit > 0 {
			rate = strconv.Itoa(k.RateLimit) + "/min"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Party, name, role, rate, k.CreatedAt.Format(time.RFC3339), revoked)
	}
	return tw.Flush()
}

// storeFlags defines --data and --store on fs, with serve's defaults and
// environment variables, for the commands that work on a store directly.
func storeFlags(fs *flag.FlagSet, getenv func(string) string) (data, uri *string) {
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	data = fs.String("data", env("LOTLINE_DATA", "lotline-data"), "data directory of the embedded store ($LOTLINE_DATA)")
	uri = fs.String("store", env("LOTLINE_STORE", ""), "store URI, as for serve ($LOTLINE_STORE)")
	return data, uri
}

// parseInterleaved parses args whose flags may come before or after the
// positional arguments, which it returns.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, &exitError{2, err}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
