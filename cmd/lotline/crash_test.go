package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lotline/lotline/store/mongo/mongotest"
)

// TestCrashDurability kills a real lotline process with SIGKILL at random
// moments while clients capture documents and single events, restarts it
// on the same data, and checks the promises of capture: a job reported
// finished is wholly visible, no document is ever partly visible, a job
// left running is marked failed, and no acknowledged POST /events is lost.
func TestCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) {
		crashLoop(t, bin, 20, false, []string{"--data", t.TempDir()})
	})
	t.Run("mongo", func(t *testing.T) {
		// FerretDB, the test double, scans a collection for every lookup
		// but by _id, so this run checks the first and last event of each
		// document (all-or-nothing visibility of every event is the
		// contract suite's concurrency test).
		uri := mongotest.Start(t)
		crashLoop(t, bin, 20, true, []string{"--data", t.TempDir(), "--store", uri, "--job-lease", "1s"})
	})
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lotline")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var (
	listenRE   = regexp.MustCompile(`addr=http://(\S+)`)
	instanceRE = regexp.MustCompile(`instance=(\S+)`)
)

// startProcess runs lotline serve and returns its base URL once it
// listens.
func startProcess(t *testing.T, bin string, args []string) (*exec.Cmd, string) {
	t.Helper()
	p := startServeProcess(t, bin, args)
	return p.cmd, p.base
}

// serveProcess is a running lotline serve.
type serveProcess struct {
	cmd      *exec.Cmd
	base     string // http://HOST:PORT
	instance string // its name in the store's leases
	mu       sync.Mutex
	log      []string // its last log lines
}

// logTail returns the process's last log lines, for a failure message.
func (p *serveProcess) logTail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.log, "\n")
}

// startServeProcess runs lotline serve and returns it once it listens.
func startServeProcess(t *testing.T, bin string, args []string) *serveProcess {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "info"}, args...)...)
	dieWithTest(cmd)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd}
	found := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			if p.log = append(p.log, line); len(p.log) > 50 {
				p.log = p.log[1:]
			}
			p.mu.Unlock()
			if m := listenRE.FindStringSubmatch(line); m != nil {
				var inst string
				if im := instanceRE.FindStringSubmatch(line); im != nil {
					inst = im[1]
				}
				select {
				case found <- [2]string{"http://" + m[1], inst}:
				default:
				}
			}
		}
	}()
	select {
	case f := <-found:
		p.base, p.instance = f[0], f[1]
		return p
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("lotline did not start listening within 60s")
	}
	return nil
}

type crashDoc struct {
	ids      []string
	location string // capture job, once acknowledged
	success  bool   // how the job ended (set by waitJobs)
}

type crashRecord struct {
	mu        sync.Mutex
	docs      []*crashDoc
	finished  map[string]bool // job location -> success, as observed before the kill
	ackEvents []string        // POST /events answered 201
	sample    bool            // check only the first and last event of each document
}

func crashLoop(t *testing.T, bin string, rounds int, sample bool, args []string) {
	rec := &crashRecord{finished: map[string]bool{}, sample: sample}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	serial, checked, checkedAcks := 0, 0, 0
	for round := range rounds {
		t0 := time.Now()
		cmd, base := startProcess(t, bin, args)
		t1 := time.Now()
		// Each round checks what the previous round sent; the last check
		// covers everything once more.
		checked, checkedAcks = verify(t, base, rec, round, checked, checkedAcks)

		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for c := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					rec.mu.Lock()
					serial++
					n := serial
					rec.mu.Unlock()
					if c == 0 {
						postEvent(ctx, base, rec, n)
					} else {
						postDoc(ctx, base, rec, n, 2+n%20)
					}
				}
			}()
		}
		t2 := time.Now()
		time.Sleep(time.Duration(50+rng.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		cancel()
		wg.Wait()
		t.Logf("round %d: start %v, verify %v, run+stop %v", round, t1.Sub(t0), t2.Sub(t1), time.Since(t2))
	}
	cmd, base := startProcess(t, bin, args)
	verify(t, base, rec, rounds, 0, 0)
	// A graceful stop must finish too.
	cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("lotline exited with %v after SIGTERM", err)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Error("lotline did not stop within 60s of SIGTERM")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	t.Logf("%d rounds: %d documents sent, %d jobs seen finished, %d single events acknowledged",
		rounds, len(rec.docs), len(rec.finished), len(rec.ackEvents))
	if len(rec.finished) == 0 || len(rec.ackEvents) == 0 {
		t.Error("the crash test captured nothing; it proves nothing")
	}
}

func crashEvent(id string, n int) string {
	return fmt.Sprintf(`{"type":"ObjectEvent","eventID":%q,"eventTime":"2024-03-01T09:00:00Z","eventTimeZoneOffset":"+00:00",`+
		`"epcList":["urn:epc:id:sgtin:4012345.011111.%d"],"action":"OBSERVE","bizStep":"shipping"}`, id, n)
}

func postDoc(ctx context.Context, base string, rec *crashRecord, n, events int) {
	d := &crashDoc{}
	var evs []string
	for i := range events {
		id := fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%06d%06d", n, i)
		d.ids = append(d.ids, id)
		evs = append(evs, crashEvent(id, n*1000+i))
	}
	rec.mu.Lock()
	rec.docs = append(rec.docs, d)
	rec.mu.Unlock()
	body := `{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument",` +
		`"schemaVersion":"2.0","creationDate":"2024-03-01T10:00:00Z","epcisBody":{"eventList":[` + strings.Join(evs, ",") + `]}}`
	resp, err := httpDo(ctx, "POST", base+"/capture", body)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		return
	}
	loc := resp.Header.Get("Location")
	rec.mu.Lock()
	d.location = loc
	rec.mu.Unlock()
	for ctx.Err() == nil {
		r, err := httpDo(ctx, "GET", base+loc, "")
		if err != nil {
			return
		}
		var job struct{ Running, Success bool }
		json.NewDecoder(r.Body).Decode(&job)
		r.Body.Close()
		if !job.Running {
			rec.mu.Lock()
			rec.finished[loc] = job.Success
			rec.mu.Unlock()
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func postEvent(ctx context.Context, base string, rec *crashRecord, n int) {
	id := fmt.Sprintf("urn:uuid:00000000-0000-4000-9000-%012d", n)
	ev := `{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],` + crashEvent(id, 900000000+n)[1:]
	resp, err := httpDo(ctx, "POST", base+"/events", ev)
	if err == nil && resp.StatusCode == http.StatusCreated {
		rec.mu.Lock()
		rec.ackEvents = append(rec.ackEvents, id)
		rec.mu.Unlock()
	}
}

func httpDo(ctx context.Context, method, u, body string) (*http.Response, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/ld+json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if method == "POST" {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, nil
}

func visible(t *testing.T, base, id string) bool {
	t.Helper()
	resp, err := http.Get(base + "/events/" + url.PathEscape(id))
	if err != nil {
		t.Fatalf("GET event: %v", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true
	case http.StatusNotFound:
		return false
	}
	b, _ := io.ReadAll(resp.Body)
	t.Fatalf("GET event %s = %d %s", id, resp.StatusCode, b)
	return false
}

// verify checks the documents and acknowledged single events from the given
// indexes on; it returns how far it checked.
func verify(t *testing.T, base string, rec *crashRecord, round, from, fromAck int) (int, int) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, d := range rec.docs[from:] {
		ids := d.ids
		if rec.sample && len(ids) > 2 {
			ids = []string{ids[0], ids[len(ids)-1]}
		}
		n := 0
		for _, id := range ids {
			if visible(t, base, id) {
				n++
			}
		}
		if n != 0 && n != len(ids) {
			t.Fatalf("round %d: document %s is partly visible: %d of %d events checked", round, d.location, n, len(ids))
		}
		if d.location == "" {
			continue
		}
		var job struct {
			Running, Success bool
			StoredCount      int
		}
		// A shared store fails a dead server's job when its lease runs
		// out; a single server's store does so at start-up.
		for wait := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			resp, err := http.Get(base + d.location)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("round %d: acknowledged job %s lost: %d %s", round, d.location, resp.StatusCode, b)
			}
			json.Unmarshal(b, &job)
			if !job.Running {
				break
			}
			if time.Now().After(wait) {
				t.Fatalf("round %d: job %s still running 15s after restart", round, d.location)
			}
		}
		// Its events may have become visible in the meantime (a batch
		// committed just before the kill): count them again.
		n = 0
		for _, id := range ids {
			if visible(t, base, id) {
				n++
			}
		}
		if job.Success != (n == len(ids)) {
			t.Fatalf("round %d: job %s success=%v but %d of %d events checked are visible", round, d.location, job.Success, n, len(ids))
		}
		if ok, seen := rec.finished[d.location]; seen && ok != job.Success {
			t.Fatalf("round %d: job %s was reported success=%v, now %v", round, d.location, ok, job.Success)
		}
	}
	for _, id := range rec.ackEvents[fromAck:] {
		if !visible(t, base, id) {
			t.Fatalf("round %d: acknowledged event %s lost", round, id)
		}
	}
	return len(rec.docs), len(rec.ackEvents)
}
