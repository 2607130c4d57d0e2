package schemas

import (
	"bytes"
	"regexp"
	"testing"
)

func TestFastPatternsCoverSchema(t *testing.T) {
	for p := range fastPatterns {
		if !bytes.Contains(Schema(), []byte(jsonQuote(p))) {
			t.Errorf("pattern %s has a fast matcher but is not in the schema", p)
		}
	}
}

func jsonQuote(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		if r == '\\' || r == '"' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestFastPatterns(t *testing.T) {
	for _, s := range fastPatternSeeds {
		checkFastPatterns(t, s)
	}
}

var fastPatternSeeds = []string{
	"", "a:", "example:x", "https://x", "1a:b", "a b:c", "a+b.c-d:", "A", "a", ":", "é:x",
	"+00:00", "-14:00", "+14:01", "+13:59", "-09:60", "+1:00", "+10:00\n", " +10:00", "+20:00", "-05:30",
	"KG", "KGM", "kgm", "KGMS", "K", "C62", "KG\n", "\xff\xfe",
}

func checkFastPatterns(t *testing.T, s string) {
	t.Helper()
	for p, fast := range fastPatterns {
		want := regexp.MustCompile(p).MatchString(s)
		if got := fast(s); got != want {
			t.Errorf("pattern %s on %q: hand matcher says %v, regexp says %v", p, s, got, want)
		}
	}
}

// FuzzFastPatterns checks the hand matchers against Go's regexp.
func FuzzFastPatterns(f *testing.F) {
	for _, s := range fastPatternSeeds {
		f.Add(s)
	}
	f.Fuzz(checkFastPatterns)
}

func BenchmarkExtensionNameMatch(b *testing.B) {
	names := []string{"eventTime", "epcList", "quantityList", "example:batchRecord", "bizTransactionList", "type", "@context"}
	re := regexp.MustCompile(extensionNamePattern)
	b.Run("regexp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, n := range names {
				re.MatchString(n)
			}
		}
	})
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, n := range names {
				isExtensionName(n)
			}
		}
	})
}
