//go:build !unix

package main

import "io"

// terminalWidth reports whether w is a terminal; off Unix the CLI assumes
// it is not (no progress lines, no truncation).
func terminalWidth(io.Writer) (int, bool) { return 0, false }
