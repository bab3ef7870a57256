package access_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access"
)

func TestCountyOf(t *testing.T) {
	for _, tc := range []struct{ name, explicit, ems, want string }{
		{"Changhua plating shop", "", "N1489153", "CHA"},
		{"Taichung city", "", "B7695416", "TXG"},
		{"former Taichung county letter", "", "L0012345", "TXG"},
		{"explicit wins", "NAN", "B7695416", "NAN"},
		{"lower case", "", "n1489153", "CHA"},
		{"unknown letter", "", "Y1234567", ""},
		{"nothing", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := access.CountyOf(tc.explicit, tc.ems); got != tc.want {
				t.Fatalf("CountyOf(%q, %q) = %q, want %q", tc.explicit, tc.ems, got, tc.want)
			}
		})
	}
}

func TestPrincipalValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    access.Principal
		ok   bool
	}{
		{"admin", access.Principal{Role: access.Admin}, true},
		{"officer with county", access.Principal{Role: access.Officer, Scope: access.Scope{County: "TXG"}}, true},
		{"officer without county", access.Principal{Role: access.Officer}, false},
		{"officer of unknown county", access.Principal{Role: access.Officer, Scope: access.Scope{County: "Taichung"}}, false},
		{"sensor without stations", access.Principal{Role: access.Sensor}, false},
		{"facility without id", access.Principal{Role: access.Facility}, false},
		{"land agency without agency", access.Principal{Role: access.LandAgency}, false},
		{"unknown role", access.Principal{Role: "root"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.p.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestObjectChecks(t *testing.T) {
	txg := access.Principal{Subject: "o1", Role: access.Officer, Scope: access.Scope{County: "TXG"}}
	facA := access.Principal{Subject: "fa", Role: access.Facility, Scope: access.Scope{Facility: "N1489153"}}
	inv := access.Principal{Subject: "p1", Role: access.Investigator, Scope: access.Scope{Cases: []string{"c-shared"}}}
	t.Run("facility A reads itself", func(t *testing.T) {
		if v := access.FacilityView(facA, "N1489153", "CHA"); v != access.Full {
			t.Fatalf("view %d", v)
		}
	})
	t.Run("facility A never reads B", func(t *testing.T) {
		if v := access.FacilityView(facA, "N7789799", "CHA"); v != access.Hidden {
			t.Fatalf("view %d", v)
		}
	})
	t.Run("officer own county in full", func(t *testing.T) {
		if v := access.FacilityView(txg, "B7695416", access.CountyOf("", "B7695416")); v != access.Full {
			t.Fatalf("view %d", v)
		}
	})
	t.Run("officer other county public fields", func(t *testing.T) {
		if v := access.FacilityView(txg, "N1489153", access.CountyOf("", "N1489153")); v != access.PublicFields {
			t.Fatalf("view %d", v)
		}
	})
	t.Run("investigator reads a shared case", func(t *testing.T) {
		if !access.CanReadCase(inv, access.CaseRef{ID: "c-shared"}) {
			t.Fatal("refused")
		}
	})
	t.Run("investigator never reads an unshared case", func(t *testing.T) {
		if access.CanReadCase(inv, access.CaseRef{ID: "c-other", SharedWith: []string{"county:TXG"}}) {
			t.Fatal("allowed")
		}
	})
	t.Run("officer reads a case shared with the county", func(t *testing.T) {
		if !access.CanReadCase(txg, access.CaseRef{ID: "c-other", SharedWith: []string{"county:TXG"}}) {
			t.Fatal("refused")
		}
	})
	t.Run("public never reads a case", func(t *testing.T) {
		if access.CanReadCase(access.Anonymous, access.CaseRef{ID: "c", SharedWith: []string{"role:public"}}) {
			t.Fatal("allowed")
		}
	})
	sensor := access.Principal{Role: access.Sensor, Scope: access.Scope{Stations: []string{"WQ-1"}}}
	t.Run("sensor writes own station only", func(t *testing.T) {
		if err := access.CheckStations(sensor, []string{"WQ-1"}); err != nil {
			t.Fatal(err)
		}
		err := access.CheckStations(sensor, []string{"WQ-1", "WQ-2"})
		if err == nil || err.(interface{ Status() int }).Status() != http.StatusForbidden {
			t.Fatalf("want 403, got %v", err)
		}
	})
}

func TestPolicyCoversEveryRole(t *testing.T) {
	for perm, row := range access.Policy {
		for r := range row {
			if _, err := access.ParseRole(string(r)); err != nil {
				t.Errorf("%s: %v", perm, err)
			}
		}
	}
	if access.Decide(access.Principal{Role: access.Admin}, access.Permission{Action: "fly", Resource: access.Case}) != access.Deny {
		t.Fatal("an unknown permission is not denied")
	}
}

// memTokens is a TokenStore over a map, to test the rules of Tokens
// without a database (store's PostGIS tests cover the table).
type memTokens map[string]access.TokenRecord

func (m memTokens) TokenByHash(_ context.Context, h []byte) (access.TokenRecord, error) {
	r, ok := m[string(h)]
	if !ok {
		return r, access.ErrUnknownToken
	}
	return r, nil
}

func TestTokens(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	store := memTokens{}
	mk := func(p access.Principal, exp, rev time.Time) string {
		id, tok, err := access.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		store[string(access.TokenHash(tok))] = access.TokenRecord{ID: id, Principal: p, ExpiresAt: exp, RevokedAt: rev}
		return tok
	}
	sensor := access.Principal{Role: access.Sensor, Scope: access.Scope{Stations: []string{"WQ-1"}}}
	valid := mk(sensor, now.Add(time.Hour), time.Time{})
	expired := mk(sensor, now.Add(-time.Second), time.Time{})
	revoked := mk(sensor, now.Add(time.Hour), now.Add(-time.Minute))
	auth := access.Tokens{Store: store, Now: func() time.Time { return now }}
	p, err := auth.Authenticate(context.Background(), valid)
	if err != nil || p.Role != access.Sensor || p.Subject[:6] != "token:" {
		t.Fatalf("valid token: %+v %v", p, err)
	}
	for name, tok := range map[string]string{"expired": expired, "revoked": revoked, "unknown": valid + "x", "not a token": "abc"} {
		t.Run(name, func(t *testing.T) {
			_, err := auth.Authenticate(context.Background(), tok)
			var ae *access.AuthError
			if !asAuthError(err, &ae) {
				t.Fatalf("want 401, got %v", err)
			}
		})
	}
}

func TestCountyCode(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		ok             bool
	}{
		{"code", "TXG", "TXG", true},
		{"lower-case code", "cha", "CHA", true},
		{"name", "彰化縣", "CHA", true},
		{"name with 台", "台中市", "TXG", true},
		{"padded", " 臺中市 ", "TXG", true},
		{"English name", "Taichung", "", false},
		{"empty", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, ok := access.CountyCode(tc.in); got != tc.want || ok != tc.ok {
				t.Fatalf("CountyCode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestViewKeyPartitionsFacilityView checks that ViewKey holds what
// FacilityView reads: two principals with the same key see every facility
// alike, and principals who see some facility differently get different
// keys (an answer cached under one key never reaches a caller who would
// see it redacted otherwise).
func TestViewKeyPartitionsFacilityView(t *testing.T) {
	var ps []access.Principal
	for _, r := range access.Roles {
		for _, sc := range []access.Scope{{}, {County: "CHA"}, {County: "TXG"}, {Facility: "N1489153"},
			{Facility: "B7695416", County: "TXG"}, {Agency: "taichung-epb"}, {Cases: []string{"c1"}}, {Stations: []string{"s1"}}} {
			ps = append(ps, access.Principal{Subject: "u:" + string(r), Role: r, Scope: sc})
		}
	}
	facilities := []struct{ id, county string }{{"N1489153", "CHA"}, {"B7695416", "TXG"}, {"N7789799", "CHA"}, {"Y1234567", ""}}
	for _, a := range ps {
		for _, b := range ps {
			same := true
			for _, f := range facilities {
				if access.FacilityView(a, f.id, f.county) != access.FacilityView(b, f.id, f.county) {
					same = false
				}
			}
			if keys := access.ViewKey(a) == access.ViewKey(b); keys && !same {
				t.Errorf("%+v and %+v share key %q but see the facilities differently", a, b, access.ViewKey(a))
			}
		}
	}
	if access.ViewKey(ps[0]) == access.ViewKey(access.Principal{Role: access.Officer, Scope: access.Scope{County: "CHA"}}) {
		t.Error("an administrator and a county officer share a view key")
	}
}
