package subscribe

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned (wrapped) when a webhook destination
// resolves to an address deliveries may not reach.
var ErrForbiddenAddress = errors.New("subscribe: destination address not allowed")

// blocked are the networks a webhook may not reach unless private
// destinations are allowed: loopback, RFC 1918 private, link-local,
// unique-local, shared (CGNAT), "this network", benchmarking, reserved,
// multicast and broadcast addresses. A client could otherwise make the
// server probe or call services behind its firewall.
var blocked = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8", "2001:db8::/32", "100::/64",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// metadata are the cloud instance-metadata addresses. They are refused
// even when private destinations are allowed: that switch is for
// receivers on the operator's own network, and no receiver lives there.
var metadata = []netip.Addr{netip.MustParseAddr("169.254.169.254"), netip.MustParseAddr("fd00:ec2::254")}

// nat64 is the well-known NAT64 prefix: its addresses embed an IPv4
// address, which is what is checked.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// CheckAddr reports whether a delivery may connect to ip.
func CheckAddr(ip netip.Addr, allowPrivate bool) error {
	ip = ip.Unmap().WithZone("")
	if nat64.Contains(ip) {
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	for _, m := range metadata {
		if ip == m {
			return fmt.Errorf("%w: %s is a cloud metadata address", ErrForbiddenAddress, ip)
		}
	}
	if allowPrivate {
		return nil
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s is a loopback, private, link-local or reserved address (the operator may allow them with --allow-private-webhooks)", ErrForbiddenAddress, ip)
		}
	}
	return nil
}

// CheckDest checks a webhook URL when a subscription is created: http or
// https, a host, no user information, and, when the host is an IP
// literal, an allowed address. Host names are checked when a delivery
// connects, on every address they resolve to (see Client).
func CheckDest(raw string, allowPrivate bool) (*url.URL, error) {
	if len(raw) > 2048 {
		return nil, errors.New("is longer than 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("is not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errors.New("must be an http or https URL")
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, errors.New("has no host")
	}
	if u.User != nil {
		return nil, errors.New("must not carry user information; authenticate deliveries with the signatureToken")
	}
	if u.Fragment != "" {
		return nil, errors.New("must not have a fragment")
	}
	if ip, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil {
		if err := CheckAddr(ip, allowPrivate); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// Client returns the HTTP client of deliveries. Its dialer checks every
// address after name resolution, just before connecting (so a name that
// resolves to a public address at creation and a private one later is
// still refused); it uses no proxy (a proxy would connect on its behalf,
// unchecked) and follows no redirect (a 3xx is a failed delivery).
func Client(timeout time.Duration, allowPrivate bool) *http.Client {
	d := &net.Dialer{
		Timeout:   min(timeout, 10*time.Second),
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			if network != "tcp4" && network != "tcp6" {
				return fmt.Errorf("%w: network %s", ErrForbiddenAddress, network)
			}
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
			}
			return CheckAddr(ap.Addr(), allowPrivate)
		},
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
