package privacy_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access/privacy"
)

func keyring(t *testing.T, lines ...string) *privacy.Keyring {
	t.Helper()
	k, err := privacy.ParseKeyring([]byte(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeyringSealsOpensAndRotates(t *testing.T) {
	k1line, _ := privacy.NewKeyLine("2026a")
	k2line, _ := privacy.NewKeyLine("2026b")
	old := keyring(t, k1line)
	sealed, err := old.Seal("0912345678", "dumping_reports.contact")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("0912345678")) {
		t.Fatal("the ciphertext holds the contact in clear")
	}
	if id, _ := privacy.KeyID(sealed); id != "2026a" {
		t.Fatalf("key id %q", id)
	}
	if _, err := old.Open(sealed, "personal_contacts.sealed"); err == nil {
		t.Fatal("a ciphertext opened in another column")
	}
	rotated := keyring(t, "# rotated", k1line, k2line)
	if rotated.Current() != "2026b" {
		t.Fatalf("current key %q, want the last line's", rotated.Current())
	}
	again, changed, err := rotated.Reseal(sealed, "dumping_reports.contact")
	if err != nil || !changed {
		t.Fatalf("Reseal = %v, %v", changed, err)
	}
	if id, _ := privacy.KeyID(again); id != "2026b" {
		t.Fatalf("resealed under %q", id)
	}
	if got, err := rotated.Open(again, "dumping_reports.contact"); err != nil || got != "0912345678" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, changed, _ := rotated.Reseal(again, "dumping_reports.contact"); changed {
		t.Fatal("a value under the current key was resealed")
	}
	if _, err := old.Open(again, "dumping_reports.contact"); err == nil || !strings.Contains(err.Error(), "2026b") {
		t.Fatalf("the old keyring opened a value under the new key: %v", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := old.Open(sealed, "dumping_reports.contact"); err == nil {
		t.Fatal("a tampered ciphertext opened")
	}
}

func TestParseKeyringErrors(t *testing.T) {
	good := strings.Repeat("ab", 32)
	cases := map[string]string{
		"empty":        "",
		"short key":    "k1 abcd",
		"bad id":       "k/1 " + good,
		"duplicate id": "k1 " + good + "\nk1 " + good,
		"not hex":      "k1 " + strings.Repeat("zz", 32),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := privacy.ParseKeyring([]byte(in)); err == nil {
				t.Fatalf("ParseKeyring(%q) accepted", in)
			}
		})
	}
	// The dumping desk's earlier key file: 64 hex digits alone.
	k := keyring(t, good)
	if k.Current() != "0" {
		t.Fatalf("bare key has id %q", k.Current())
	}
}

func TestMask(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"mobile", "0912345678", "0912****78"},
		{"mobile with dashes", "0912-345-678", "0912-***-*78"},
		// Digits kept: the first four (8, 8, 6, 9) and the last two.
		{"international", "+886 912 345 678", "+886 9** *** *78"},
		{"email", "chen.li@example.tw", "c***@example.tw"},
		{"chinese name", "王小明", "王**"},
		{"latin name", "Chen Li", "C******"},
		{"empty", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := privacy.Mask(c.in); got != c.want {
				t.Fatalf("Mask(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestSubjectFindsOnePersonHoweverWritten(t *testing.T) {
	s, err := privacy.ParseSecret([]byte(strings.Repeat("11", 32)))
	if err != nil {
		t.Fatal(err)
	}
	same := []string{"0912-345-678", "+886 912 345 678", " 0912345678 "}
	for _, c := range same[1:] {
		if s.Subject(c) != s.Subject(same[0]) {
			t.Errorf("Subject(%q) differs from Subject(%q)", c, same[0])
		}
	}
	if s.Subject("Chen.Li@Example.tw") != s.Subject("chen.li@example.tw") {
		t.Error("e-mail case changes the subject")
	}
	if s.Subject("0912345678") == s.Subject("0912345679") {
		t.Error("two phones share a subject")
	}
	other, _ := privacy.ParseSecret([]byte(strings.Repeat("22", 32)))
	if other.Subject("0912345678") == s.Subject("0912345678") {
		t.Error("the subject does not depend on the secret")
	}
}

// metres between two lon/lat points on each axis, on the sphere.
func axisMetres(lon1, lat1, lon2, lat2 float64) (float64, float64) {
	const m = 6371008.8 * math.Pi / 180
	return (lon2 - lon1) * m * math.Cos(lat1*math.Pi/180), (lat2 - lat1) * m
}

func TestFuzzStaysInTheBoxAndIsKeyedByLocation(t *testing.T) {
	secret, _ := privacy.ParseSecret([]byte(strings.Repeat("5c", 32)))
	f := privacy.NewFuzzer(secret)
	rng := rand.New(rand.NewPCG(1, 2))
	var sum float64
	for range 20000 {
		lon, lat := 120+rng.Float64()*2, 22+rng.Float64()*3 // Taiwan
		flon, flat, err := f.Fuzz(lon, lat)
		if err != nil {
			t.Fatal(err)
		}
		dx, dy := axisMetres(lon, lat, flon, flat)
		if math.Abs(dx) > privacy.FuzzBoxM || math.Abs(dy) > privacy.FuzzBoxM {
			t.Fatalf("(%v, %v) moved (%.1f, %.1f) m, outside ±%.1f m", lon, lat, dx, dy, privacy.FuzzBoxM)
		}
		sum += math.Hypot(dx, dy)
		again, againLat, _ := f.Fuzz(lon, lat)
		if again != flon || againLat != flat {
			t.Fatal("the same location fuzzed twice moved differently")
		}
	}
	if mean := sum / 20000; mean < 50 {
		t.Fatalf("mean shift %.1f m: fuzzing barely moves points", mean)
	}
	other := privacy.NewFuzzer(bytes.Repeat([]byte{1}, 32))
	a, b, _ := f.Fuzz(120.6, 24.1)
	c, d, _ := other.Fuzz(120.6, 24.1)
	if a == c && b == d {
		t.Fatal("the shift does not depend on the secret")
	}
	for _, bad := range [][2]float64{{math.NaN(), 24}, {120, 95}, {math.Inf(1), 24}} {
		if _, _, err := f.Fuzz(bad[0], bad[1]); err == nil {
			t.Errorf("Fuzz(%v) accepted", bad)
		}
	}
}

// TestAveragingDoesNotRevealTheHome has each of many petitioners complain
// twenty times from home, with phone-GPS scatter of a few metres, and
// averages the public points. Per-record random noise would average out to
// the home; keyed by location, the average stays as far from the home as
// one fuzzed point is.
func TestAveragingDoesNotRevealTheHome(t *testing.T) {
	secret, _ := privacy.ParseSecret([]byte(strings.Repeat("a7", 32)))
	f := privacy.NewFuzzer(secret)
	rng := rand.New(rand.NewPCG(3, 4))
	const homes, complaints, gpsM = 500, 20, 5.0
	var keyedErr, randomErr float64
	for range homes {
		hlon, hlat := 120.5+rng.Float64(), 23.5+rng.Float64()
		var klon, klat, rlon, rlat float64
		distinct := map[string]bool{}
		for range complaints {
			dLat := rng.NormFloat64() * gpsM / 111195
			dLon := rng.NormFloat64() * gpsM / 111195 / math.Cos(hlat*math.Pi/180)
			lon, lat := hlon+dLon, hlat+dLat
			flon, flat, err := f.Fuzz(lon, lat)
			if err != nil {
				t.Fatal(err)
			}
			distinct[fmt.Sprintf("%.9f,%.9f", flon, flat)] = true
			klon += flon / complaints
			klat += flat / complaints
			// The naive alternative: fresh uniform noise in the same box per record.
			box := privacy.FuzzBoxM / 111195
			rlon += (lon + (rng.Float64()*2-1)*box/math.Cos(hlat*math.Pi/180)) / complaints
			rlat += (lat + (rng.Float64()*2-1)*box) / complaints
		}
		if len(distinct) > 4 {
			t.Fatalf("twenty complaints from one home published %d distinct points", len(distinct))
		}
		dx, dy := axisMetres(hlon, hlat, klon, klat)
		keyedErr += math.Hypot(dx, dy) / homes
		dx, dy = axisMetres(hlon, hlat, rlon, rlat)
		randomErr += math.Hypot(dx, dy) / homes
	}
	t.Logf("mean distance from the home to the average of %d public points: keyed %.1f m, per-record noise %.1f m", complaints, keyedErr, randomErr)
	if keyedErr < 60 {
		t.Fatalf("averaging keyed points lands %.1f m from the home on average: it reveals the home", keyedErr)
	}
	if keyedErr < 2*randomErr {
		t.Fatalf("keyed fuzzing (%.1f m) protects no better than per-record noise (%.1f m)", keyedErr, randomErr)
	}
}

func TestRetentionCoversEveryKind(t *testing.T) {
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, k := range privacy.Kinds() {
		c, err := privacy.Cutoff(k, now)
		if err != nil || !c.Before(now.AddDate(-1, 0, 0)) {
			t.Errorf("%s: cutoff %v, %v: want at least a year kept", k, c, err)
		}
	}
	if _, err := privacy.Cutoff("shoe_size", now); err == nil {
		t.Error("a kind without a period has a cutoff")
	}
}

func FuzzParseKeyring(f *testing.F) {
	f.Add([]byte("k1 " + strings.Repeat("ab", 32) + "\n"))
	f.Add([]byte(strings.Repeat("ab", 32)))
	f.Add([]byte("# c\n\nk 1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := privacy.ParseKeyring(b)
		if err != nil {
			return
		}
		s, err := k.Seal("x", "a")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := k.Open(s, "a"); err != nil || got != "x" {
			t.Fatalf("round trip = %q, %v", got, err)
		}
	})
}

func FuzzOpen(f *testing.F) {
	k, _ := privacy.ParseKeyring([]byte("k1 " + strings.Repeat("ab", 32)))
	s, _ := k.Seal("0912345678", "c")
	f.Add(s)
	f.Add([]byte{1, 200})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = k.Open(b, "c") // must not panic
	})
}
