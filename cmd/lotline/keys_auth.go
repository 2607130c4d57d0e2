package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/lotline/lotline/api"
	"github.com/lotline/lotline/auth"
	"github.com/lotline/lotline/store"
)

// serveAuth builds the server's Authenticator and enforces the secure
// default: without an API key or a JWT issuer the server is in open
// single-party mode, which it allows on a loopback address only, unless
// --insecure-no-auth says otherwise.
func serveAuth(ctx context.Context, c *serveConfig, st store.Store, log *slog.Logger) (*auth.Authenticator, error) {
	cfg := auth.Config{}
	if ks, ok := st.(store.KeyStore); ok {
		cfg.Keys = ks
	}
	switch {
	case c.JWTKeys != "":
		if c.JWTIssuer == "" {
			return nil, errors.New("--jwt-keys needs --jwt-issuer: the issuer whose tokens to accept")
		}
		data, err := os.ReadFile(c.JWTKeys)
		if err != nil {
			return nil, fmt.Errorf("--jwt-keys: %w", err)
		}
		keys, err := auth.ParseKeys(data)
		if err != nil {
			return nil, fmt.Errorf("--jwt-keys %s: %w", c.JWTKeys, err)
		}
		cfg.JWT = &auth.JWTConfig{Keys: keys, Issuer: c.JWTIssuer, Audience: c.JWTAudience, PartyClaim: c.JWTPartyClaim}
		if c.JWTAudience == "" {
			log.Warn("no --jwt-audience: any token of the issuer is accepted, also one minted for another service")
		}
	case c.JWTIssuer != "" || c.JWTAudience != "":
		return nil, errors.New("--jwt-issuer and --jwt-audience need --jwt-keys: the public keys that verify the tokens")
	}
	a, err := auth.New(cfg)
	if err != nil {
		return nil, err
	}
	required, err := a.Required(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading API keys: %w", err)
	}
	switch {
	case required:
		log.Info("authentication required: clients send Authorization: Bearer with an API key or a JWT",
			"apiKeys", cfg.Keys != nil, "jwtIssuer", c.JWTIssuer)
	case loopbackAddr(c.Addr):
		log.Info("open single-party mode: no API key or JWT issuer is configured, so every request is served without credentials as the local party; " +
			"create a key with `lotline keys create --party GLN` to require credentials (see docs/security.md)")
	case c.InsecureNoAuth:
		log.Warn("INSECURE: listening on a non-loopback address without authentication (--insecure-no-auth): anyone who reaches "+
			c.Addr+" can read and capture everything", "addr", c.Addr)
	default:
		return nil, &exitError{2, fmt.Errorf("refusing to listen on %s without authentication: no API key exists and no JWT issuer is configured. "+
			"Either create a key (lotline keys create --data DIR --party GLN), or configure --jwt-keys and --jwt-issuer, "+
			"or listen on a loopback address (--addr 127.0.0.1:8080), or accept the risk with --insecure-no-auth", c.Addr)}
	}
	return a, nil
}

// serveAudit starts the audit log unless --audit=false, when the store
// keeps one (both stores do); nil otherwise.
func serveAudit(c *serveConfig, st store.Store, log *slog.Logger) *api.AuditLog {
	if !c.Audit {
		log.Info("audit log off (--audit=false)")
		return nil
	}
	as, ok := st.(store.AuditStore)
	if !ok {
		log.Warn("the store keeps no audit log")
		return nil
	}
	return api.NewAuditLog(as, log)
}

// loopbackAddr reports whether HOST:PORT can be reached from this machine
// only. An empty host means every interface; a host name other than
// localhost could resolve anywhere, so it does not count.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
