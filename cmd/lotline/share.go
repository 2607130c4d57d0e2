package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/store"
)

const shareUsage = `Usage:
  lotline share create --owner GLN --grantee GLN [--gtin G]... [--lot LOT]... [--bizstep STEP]...
                       [--from TIME] [--to TIME] [--data DIR | --store URI]
  lotline share list --owner GLN [--data DIR | --store URI]
  lotline share delete --owner GLN [--data DIR | --store URI] RULEID

A sharing rule lets the grantee read some of the owner's events: those
about one of the GTINs or lots (LGTIN URN or Digital Link), with one of the
business steps, within [from, to) by eventTime. A rule names at least one
GTIN, lot or business step. The owner is a GLN, or "local" for what was
captured in open single-party mode. Servers apply a new or deleted rule
within 5 seconds. The same rules are managed with POST/GET/DELETE
/sharing-rules by the owner. See docs/security.md.
`

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// runShare is `lotline share`: create, list and delete sharing rules in
// the store a server uses.
func runShare(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, shareUsage)
		return &exitError{2, errors.New("share: no subcommand given (create, list or delete)")}
	}
	sub := args[0]
	fs := flag.NewFlagSet("lotline share "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, shareUsage) }
	data, uri := storeFlags(fs, getenv)
	owner := fs.String("owner", "", `the party sharing its events: a GLN, or "local"`)
	var spec api.SharingRuleSpec
	var gtins, lots, steps listFlag
	fs.StringVar(&spec.Grantee, "grantee", "", "the party the rule shares with (a GLN)")
	fs.Var(&gtins, "gtin", "a GTIN-14 whose events are shared (repeatable)")
	fs.Var(&lots, "lot", "a lot whose events are shared: LGTIN URN or Digital Link (repeatable)")
	fs.Var(&steps, "bizstep", "a business step whose events are shared (repeatable)")
	fs.StringVar(&spec.From, "from", "", "share events from this eventTime on (RFC 3339 with a zone)")
	fs.StringVar(&spec.To, "to", "", "share events before this eventTime")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	want := map[string]int{"create": 0, "list": 0, "delete": 1}
	n, ok := want[sub]
	if !ok {
		fmt.Fprint(stderr, shareUsage)
		return &exitError{2, fmt.Errorf("share: unknown subcommand %q (create, list or delete)", sub)}
	}
	if len(pos) != n {
		return &exitError{2, fmt.Errorf("share %s takes %d argument(s), got %q", sub, n, pos)}
	}
	ownerID := *owner
	switch {
	case ownerID == "":
		return &exitError{2, errors.New("share: --owner is required")}
	case ownerID != store.LocalOwner:
		p, err := auth.ParseParty(ownerID)
		if err != nil {
			return &exitError{2, fmt.Errorf("share: --owner: %w", err)}
		}
		ownerID = p
	}
	var rule *store.SharingRule
	if sub == "create" {
		spec.GTINs, spec.Lots, spec.BizSteps = gtins, lots, steps
		r, err := api.ParseSharingRule(spec)
		if err != nil {
			return &exitError{2, fmt.Errorf("share create: %w", err)}
		}
		r.Owner, r.ID = ownerID, api.NewSharingRuleID()
		rule = r
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := openStore(ctx, &serveConfig{Data: *data, Store: *uri}, log)
	if err != nil {
		return err
	}
	defer st.Close()
	rs, ok := st.Store.(store.SharingRuleStore)
	if !ok {
		return fmt.Errorf("share: the store %s keeps no sharing rules", st.where)
	}
	switch sub {
	case "create":
		if err := rs.CreateRule(ctx, rule); err != nil {
			return err
		}
		fmt.Fprintln(stdout, rule.ID)
		fmt.Fprintf(stderr, "rule %s: %s shares with %s; servers apply it within 5 s\n", rule.ID, ownerID, rule.Grantee)
		return nil
	case "list":
		rules, err := rs.RulesOf(ctx, ownerID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tGRANTEE\tGTINS\tLOTS\tBIZSTEPS\tFROM\tTO")
		dash := func(s string) string {
			if s == "" {
				return "-"
			}
			return s
		}
		for _, r := range rules {
			v := api.RuleView(r)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.Grantee, dash(strings.Join(v.GTINs, ",")),
				dash(strings.Join(v.Lots, ",")), dash(strings.Join(v.BizSteps, ",")), dash(v.From), dash(v.To))
		}
		return tw.Flush()
	default:
		err := rs.DeleteRule(ctx, ownerID, pos[0])
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("share delete: %s has no rule %q", ownerID, pos[0])
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "rule %s deleted; servers stop applying it within 5 s\n", pos[0])
		return nil
	}
}
