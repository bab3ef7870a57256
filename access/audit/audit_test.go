package audit_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access/audit"
)

var testKey = bytes.Repeat([]byte{7}, 32)

// chain builds n rows the way the store does.
func chain(n int) []audit.Row {
	var rows []audit.Row
	var prev []byte
	t0 := time.Date(2026, 8, 14, 4, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	for i := 1; i <= n; i++ {
		e := audit.Entry{Actor: fmt.Sprintf("user%d", i%3), Role: "officer", Action: "trace", Resource: fmt.Sprintf("/api/v1/trace?i=%d", i),
			RequestID: fmt.Sprintf("req-%d", i), ClientAddr: "10.0.0.1", Time: t0.Add(time.Duration(i) * time.Second), Allowed: i%4 != 0,
			RequestDigest: audit.Digest([]byte(fmt.Sprint("q", i))), ResultDigest: audit.Digest([]byte(fmt.Sprint("r", i)))}
		mac := audit.MAC(testKey, int64(i), e, prev)
		rows = append(rows, audit.Row{Seq: int64(i), Entry: audit.Normalize(e), MAC: mac})
		prev = mac
	}
	return rows
}

func verify(rows []audit.Row, cps []audit.Checkpoint) (int64, error) {
	v := audit.NewVerifier(testKey, cps)
	for _, r := range rows {
		if err := v.Add(r); err != nil {
			return 0, err
		}
	}
	return v.Done()
}

func TestVerifierNamesTheFirstBadRow(t *testing.T) {
	head := func(rows []audit.Row) []audit.Checkpoint {
		l := rows[len(rows)-1]
		return []audit.Checkpoint{{Seq: l.Seq, MAC: l.MAC}}
	}
	full := chain(10)
	cases := []struct {
		name    string
		tamper  func([]audit.Row) []audit.Row
		cps     []audit.Checkpoint
		wantSeq int64 // 0: intact
		reason  string
	}{
		{name: "intact", tamper: func(r []audit.Row) []audit.Row { return r }, cps: head(full)},
		{name: "edited actor", tamper: func(r []audit.Row) []audit.Row { r[4].Actor = "someone else"; return r }, wantSeq: 5, reason: "HMAC"},
		{name: "edited decision", tamper: func(r []audit.Row) []audit.Row { r[6].Allowed = !r[6].Allowed; return r }, wantSeq: 7, reason: "HMAC"},
		{name: "edited time", tamper: func(r []audit.Row) []audit.Row { r[2].Time = r[2].Time.Add(time.Microsecond); return r }, wantSeq: 3, reason: "HMAC"},
		{name: "deleted row", tamper: func(r []audit.Row) []audit.Row { return append(r[:3:3], r[4:]...) }, wantSeq: 4, reason: "missing"},
		{name: "swapped contents", tamper: func(r []audit.Row) []audit.Row {
			r[5].Entry, r[6].Entry = r[6].Entry, r[5].Entry
			r[5].MAC, r[6].MAC = r[6].MAC, r[5].MAC
			return r
		}, wantSeq: 6, reason: "HMAC"},
		{name: "reordered rows", tamper: func(r []audit.Row) []audit.Row { r[7], r[8] = r[8], r[7]; return r }, wantSeq: 8, reason: "missing"},
		{name: "truncated tail", tamper: func(r []audit.Row) []audit.Row { return r[:7] }, cps: head(full), wantSeq: 8, reason: "truncated"},
		{name: "deleted and renumbered", tamper: func(r []audit.Row) []audit.Row {
			r = append(r[:3:3], r[4:]...)
			for i := 3; i < len(r); i++ {
				r[i].Seq--
			}
			return r
		}, wantSeq: 4, reason: "HMAC"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows := c.tamper(chain(10))
			_, err := verify(rows, c.cps)
			if c.wantSeq == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var be *audit.BreakError
			if !errors.As(err, &be) {
				t.Fatalf("verify = %v, want a BreakError", err)
			}
			if be.Seq != c.wantSeq || !strings.Contains(be.Error(), c.reason) {
				t.Fatalf("verify = %v, want row %d (%s)", err, c.wantSeq, c.reason)
			}
		})
	}
}

func TestRebuiltChainFailsTheCheckpoint(t *testing.T) {
	rows := chain(6)
	cp := []audit.Checkpoint{{Seq: 6, MAC: rows[5].MAC}}
	// Someone holding another key (or none) rebuilds the chain after an
	// edit: the chain is consistent under their key, not under ours.
	rows[2].Actor = "x"
	other := bytes.Repeat([]byte{9}, 32)
	var prev []byte
	for i := range rows {
		rows[i].MAC = audit.MAC(other, rows[i].Seq, rows[i].Entry, prev)
		prev = rows[i].MAC
	}
	if _, err := verify(rows, cp); err == nil {
		t.Fatal("a chain rebuilt under another key verified")
	}
}

func TestCheckpointFileRoundTrip(t *testing.T) {
	rows := chain(3)
	path := filepath.Join(t.TempDir(), "checkpoints.jsonl")
	for _, r := range rows {
		if err := audit.AppendCheckpoint(path, audit.Checkpoint{Seq: r.Seq, MAC: r.MAC, Time: r.Time}); err != nil {
			t.Fatal(err)
		}
	}
	cps, err := audit.ReadCheckpoints(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cps) != 3 || cps[2].Seq != 3 || !bytes.Equal(cps[2].MAC, rows[2].MAC) {
		t.Fatalf("read back %+v", cps)
	}
	if _, err := verify(rows, cps); err != nil {
		t.Fatal(err)
	}
}

func TestParseCheckpointsNamesTheBadLine(t *testing.T) {
	for name, in := range map[string]string{
		"not json":     "{\"seq\":1,\"hmac\":\"" + strings.Repeat("ab", 32) + "\"}\nnope\n",
		"short hmac":   "\n{\"seq\":1,\"hmac\":\"abcd\"}\n",
		"zero seq":     "{\"seq\":0,\"hmac\":\"" + strings.Repeat("ab", 32) + "\"}\n",
		"hmac not hex": "{\"seq\":3,\"hmac\":\"" + strings.Repeat("zz", 32) + "\"}\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := audit.ParseCheckpoints(strings.NewReader(in))
			if err == nil || !strings.Contains(err.Error(), "line 2") && !strings.Contains(err.Error(), "line 1") {
				t.Fatalf("ParseCheckpoints = %v, want an error naming the line", err)
			}
		})
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "key")
	if err := os.WriteFile(good, []byte(strings.Repeat("0f", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("0f0f"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, value, path, errPart string
	}{
		{name: "file", path: good},
		{name: "value wins over file", value: strings.Repeat("aa", 40), path: short},
		{name: "short file", path: short, errPart: "at least 32"},
		{name: "not hex", value: "xyz", errPart: "hexadecimal"},
		{name: "nothing", errPart: audit.EnvKeyFile},
		{name: "missing file", path: filepath.Join(dir, "nope"), errPart: "no such file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := audit.LoadKey(c.value, c.path)
			if c.errPart == "" {
				if err != nil || len(k) < audit.MinKeyBytes {
					t.Fatalf("LoadKey = %x, %v", k, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.errPart) {
				t.Fatalf("LoadKey = %v, want %q", err, c.errPart)
			}
		})
	}
}

func FuzzParseCheckpoints(f *testing.F) {
	f.Add([]byte("{\"seq\":1,\"hmac\":\"" + strings.Repeat("ab", 32) + "\",\"time\":\"2026-01-01T00:00:00Z\"}\n"))
	f.Add([]byte("\n\n{}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, err := audit.ParseCheckpoints(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, c := range cs {
			if c.Seq <= 0 || len(c.MAC) != 32 {
				t.Fatalf("accepted checkpoint %+v", c)
			}
		}
	})
}

func FuzzParseKey(f *testing.F) {
	f.Add([]byte(strings.Repeat("0f", 32)))
	f.Add([]byte(" \n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := audit.ParseKey(b)
		if err == nil && len(k) < audit.MinKeyBytes {
			t.Fatalf("accepted a %d-byte key", len(k))
		}
	})
}
