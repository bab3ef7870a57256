package odour

import (
	"math"
	"testing"
	"time"

	"github.com/envtrace/envtrace/atmos"
)

// TestExplanationGate checks the explanation gate on hand-made rankings:
// the numbers it records, the reason it gives and that it only lowers.
func TestExplanationGate(t *testing.T) {
	e := &Engine{opt: Options{}.withDefaults()}
	t0 := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	// vote makes a vote in hour h whose facility lies off degrees
	// clockwise of the upwind direction (270°, a west wind).
	vote := func(h int, off, plume float64) Vote {
		up := 270.0
		return Vote{Time: t0.Add(time.Duration(h)*time.Hour + 10*time.Minute), BearingDeg: math.Mod(up+off+360, 360), UpwindDeg: &up, Plume: plume}
	}
	// The wind's direction error of 10° is floored at MinSpreadDeg (15°):
	// σ = √(π/2) × 15 = 18.8°, so over 4 hours the side test allows
	// 1.96 × 18.8 / 2 = 18.4°.
	wind := atmos.Confidence{DirectionErrorDeg: 10, Class: atmos.High}
	// Hourly means 1°, 5°, −8° and 3°: mean 0.25° (0.3° rounded), z 0.03.
	centred := []Vote{vote(0, -10, 1), vote(0, 12, 1), vote(1, 5, 0.6), vote(2, -8, 0.4), vote(3, 3, 1)}
	// Every hour 25–35° clockwise: mean 30°, beyond 18.4°; the vote of
	// plume 0.05 at −170° is below GatePlume and left out.
	aside := []Vote{vote(0, 25, 1), vote(0, 35, 1), vote(1, 30, 0.5), vote(2, 28, 0.3), vote(3, 32, 1), vote(3, -170, 0.05)}
	tests := []struct {
		name          string
		level         string
		share         float64
		votes         []Vote
		want, code    string
		hours         int
		offset, z     float64
		noExplanation bool
	}{
		{name: "explained", level: LevelMedium, share: 0.99, votes: centred, want: LevelMedium, code: ReasonSupported, hours: 4, offset: 0.3, z: 0.03},
		{name: "high stays high", level: LevelHigh, share: 1, votes: centred, want: LevelHigh, code: ReasonSupported, hours: 4, offset: 0.3, z: 0.03},
		{name: "below the share of an unknown source", level: LevelMedium, share: 0.95, votes: centred, want: LevelLow, code: ReasonNotExplained, hours: 4, offset: 0.3, z: 0.03},
		{name: "petitions beside the plume", level: LevelHigh, share: 0.99, votes: aside, want: LevelLow, code: ReasonBesidePlume, hours: 4, offset: 30, z: 3.19},
		{name: "one hour cannot be averaged", level: LevelMedium, share: 0.99, votes: aside[:2], want: LevelMedium, code: ReasonSupported, hours: 1, offset: 30, z: 0},
		{name: "low is left alone", level: LevelLow, share: 0.5, votes: aside, want: LevelLow, code: ReasonSupported, noExplanation: true},
		{name: "abstain is left alone", level: LevelAbstain, share: 0.5, votes: aside, want: LevelAbstain, code: ReasonSupported, noExplanation: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := &Result{Candidates: []Candidate{{FacilityID: "F1", Evidence: Evidence{Votes: tt.votes}}}}
			c := &res.Confidence
			c.Level, c.Share, c.Wind = tt.level, tt.share, wind
			c.explain(ReasonSupported, map[string]any{"facility_id": "F1", "share_pct": 99.0, "distance_km": 0.2})
			e.explain(res, false)
			if c.Level != tt.want || c.Code != tt.code {
				t.Fatalf("level %s (%s), want %s (%s)", c.Level, c.Code, tt.want, tt.code)
			}
			x := c.Explanation
			if tt.noExplanation {
				if x != nil {
					t.Fatalf("explanation %+v on a %s ranking", x, tt.level)
				}
				return
			}
			if x == nil || x.FacilityID != "F1" || x.LevelBefore != tt.level || x.Passed != (tt.want == tt.level) || x.Share != tt.share || x.MinShare != 0.98 || x.MaxZ != 1.96 {
				t.Fatalf("explanation %+v", x)
			}
			if x.Hours != tt.hours || math.Abs(x.OffsetDeg-tt.offset) > 0.051 || math.Abs(x.Z-tt.z) > 0.011 || x.SigmaDeg != 18.8 {
				t.Errorf("hours %d, offset %.2f°, z %.2f, σ %.1f°; want %d, %.2f°, %.2f, 18.8°", x.Hours, x.OffsetDeg, x.Z, x.SigmaDeg, tt.hours, tt.offset, tt.z)
			}
			if c.Reason == "" || c.Params["facility_id"] != "F1" {
				t.Errorf("reason %q, params %v", c.Reason, c.Params)
			}
		})
	}
	// A trace is never gated.
	res := &Result{Candidates: []Candidate{{FacilityID: "F1", Evidence: Evidence{Votes: aside}}}}
	res.Confidence.Level, res.Confidence.Share = LevelMedium, 0.5
	e.explain(res, true)
	if res.Confidence.Level != LevelMedium || res.Confidence.Explanation != nil {
		t.Errorf("a trace was gated: %+v", res.Confidence)
	}
}
