package api_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lotline/lotline/epcis/demo"
)

// chromium finds a headless-capable Chromium, or skips the test; with
// CI=true a missing browser fails it (.ci/run installs Debian's chromium).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no Chromium on PATH: install it (apt-get install -y chromium) to run the browser tests"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser starts a fresh headless browser (its own cookies) for the test.
func browser(t *testing.T, exe string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900), chromedp.Flag("disable-gpu", true))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return ctx
}

// do runs steps in the browser, failing the test on an error.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// get runs an action that returns a value.
func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// signIn opens path, is sent to the login form, and signs in with key.
func signIn(t *testing.T, ctx context.Context, base, path, key string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(base+path), chromedp.WaitVisible(`form.login input[name=key]`))
	if url := get(t, ctx, chromedp.Location()); !strings.Contains(url, "/ui/login") {
		t.Fatalf("without a key %s opened %s, not the login form", path, url)
	}
	do(t, ctx, chromedp.SendKeys(`form.login input[name=key]`, key), chromedp.Submit(`form.login input[name=key]`),
		chromedp.WaitNotPresent(`form.login`))
}

// shot writes a screenshot of the whole page to the temporary directory.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png := get(t, ctx, chromedp.FullScreenshot(90))
	path := os.TempDir() + "/lotline-" + name + ".png"
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", path, len(png))
}

// TestBrowser drives headless Chromium against a server on port 0 with
// the demo scenario: sign in, search a scanned code, read the lot page
// and its genealogy, follow an event, print the batch record to PDF,
// open the recall picture; then a party the scenario never names must
// not see the lot.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	d := startDemoSite(t, "sqlite")
	ctx := browser(t, exe)
	signIn(t, ctx, d.URL, "/ui/", d.maker)

	// Search as a scanner types: the element string with parentheses.
	do(t, ctx, chromedp.WaitVisible(`form.searchform input[name=q]`),
		chromedp.SendKeys(`form.searchform input[name=q]`, "(01)04012345444445(10)FG-2603A"),
		chromedp.Submit(`form.searchform input[name=q]`),
		chromedp.WaitVisible(`svg.graph`))
	url, h1 := get(t, ctx, chromedp.Location()), get(t, ctx, chromedp.Text(`h1`))
	if !strings.Contains(url, "/ui/lots/") || !strings.Contains(h1, "FG-2603A") {
		t.Fatalf("search led to %s (%q)", url, h1)
	}
	nodes := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg.graph g.node').length`))
	edges := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg.graph path.edge').length`))
	if nodes < 5 || edges < 4 {
		t.Errorf("genealogy has %d nodes and %d edges", nodes, edges)
	}
	shot(t, ctx, "lot-page")

	// Print the batch record.
	pdf := get(t, ctx, chromedp.PrintToPDF())
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) < 10_000 {
		t.Errorf("PDF of %d bytes, starting %q", len(pdf), pdf[:min(len(pdf), 8)])
	}
	if err := os.WriteFile(os.TempDir()+"/lotline-lot-page.pdf", pdf, 0o644); err != nil {
		t.Fatal(err)
	}

	// Follow the first inspection to its event page.
	do(t, ctx, chromedp.Click(chromedp.Search(`//h2[text()="Inspections"]/following-sibling::ol//a`)),
		chromedp.WaitVisible(`code.hash`))
	hash, title := get(t, ctx, chromedp.Text(`code.hash`)), get(t, ctx, chromedp.Text(`h1`))
	if !strings.HasPrefix(hash, "ni:///sha-256;") || !strings.Contains(title, "ObjectEvent") {
		t.Errorf("event page: hash %q, title %q", hash, title)
	}
	shot(t, ctx, "event-page")

	// The recall picture of the raw lot highlights the affected set.
	do(t, ctx, chromedp.Navigate(d.URL+lotPage(demo.RawLot)+"/recall"), chromedp.WaitVisible(`svg.graph`))
	if marked := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg.graph g.node.marked').length`)); marked < 5 {
		t.Errorf("recall picture marks %d nodes", marked)
	}
	shot(t, ctx, "recall-page")

	// A tablet held upright reads the lot page without scrolling sideways
	// (the picture scrolls inside its frame).
	do(t, ctx, chromedp.EmulateViewport(768, 1024), chromedp.Navigate(d.URL+lotPage(demo.FinishedLot)), chromedp.WaitVisible(`svg.graph`))
	if get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)) {
		t.Error("the lot page scrolls sideways at 768 px")
	}
	shot(t, ctx, "lot-page-tablet")

	// Another party signs in in its own browser and finds nothing.
	other := browser(t, exe)
	signIn(t, other, d.URL, lotPage(demo.FinishedLot), d.stranger)
	if body := get(t, other, chromedp.Text(`main`)); !strings.Contains(body, "404") || strings.Contains(body, "Materials consumed") {
		t.Errorf("a stranger's page of lot A reads:\n%s", body)
	}
}
