package mongostore_test

import "net/url"

func parseURI(s string) (*url.URL, error) { return url.Parse(s) }
