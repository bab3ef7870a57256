package odour

import (
	"testing"
	"time"

	"github.com/envtrace/envtrace/atmos"
)

// TestCrossing checks, on hand-made rankings through judge, when a
// ranking whose wind is of class Low may rank because the upwind lines of
// its hours cross (Crossing), and that it then ranks with low confidence
// at most while the other rules still apply.
func TestCrossing(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	// vote makes a vote in hour h whose wind came from up degrees.
	vote := func(h int, up, plume float64) Vote {
		return Vote{Time: t0.Add(time.Duration(h)*time.Hour + 20*time.Minute), BearingDeg: up, UpwindDeg: &up, Plume: plume, Vote: plume}
	}
	// Hours from 270°, 300° and, averaged as vectors, 350° and 30° (10°,
	// not 190°): the widest angle is 270° to 10°, 100°. The vote of plume
	// 0.05 from 120° is below GatePlume and left out.
	turning := []Vote{vote(0, 270, 1), vote(0, 270, 0.5), vote(1, 300, 0.8), vote(2, 350, 1), vote(2, 30, 1), vote(3, 120, 0.05)}
	// A wind that hardly turns: 60° between the widest two hours.
	steady := []Vote{vote(0, 270, 1), vote(1, 300, 1), vote(2, 330, 1)}
	low := atmos.Confidence{Class: atmos.Low, DirectionErrorDeg: 40, SpeedErrorMS: 1.5}
	tests := []struct {
		name              string
		cross, single     bool
		wind              atmos.Confidence
		votes             []Vote
		share, runner     float64
		want, code        string
		noCrossing        bool
		hours             int
		spread, minSpread float64
	}{
		{name: "hours cross: low, never more", cross: true, wind: low, votes: turning, share: 1, runner: 0.2, want: LevelLow, code: ReasonWindCrossed, hours: 3, spread: 100, minSpread: 80},
		{name: "a steady wind does not cross", cross: true, wind: low, votes: steady, share: 1, runner: 0.2, want: LevelAbstain, code: ReasonWindUncertain, hours: 3, spread: 60, minSpread: 80},
		{name: "the error floored at MinSpreadDeg", cross: true, wind: atmos.Confidence{Class: atmos.Low, DirectionErrorDeg: 10, SpeedErrorMS: 3}, votes: steady, share: 1, runner: 0.2, want: LevelLow, code: ReasonWindCrossed, hours: 3, spread: 60, minSpread: 30},
		{name: "the ambiguity rule still applies", cross: true, wind: low, votes: turning, share: 1, runner: 0.9, want: LevelLow, code: ReasonAmbiguous, hours: 3, spread: 100, minSpread: 80},
		{name: "the share rule still abstains", cross: true, wind: low, votes: turning, share: 0.5, runner: 0.2, want: LevelAbstain, code: ReasonNoStandout, hours: 3, spread: 100, minSpread: 80},
		{name: "petitions keep the abstention", wind: low, votes: turning, share: 1, runner: 0.2, want: LevelAbstain, code: ReasonWindUncertain, noCrossing: true},
		{name: "a trace cannot cross", cross: true, single: true, wind: low, votes: turning, share: 1, runner: 0.2, want: LevelAbstain, code: ReasonWindUncertain, noCrossing: true},
		{name: "a known wind needs no crossing", cross: true, wind: atmos.Confidence{Class: atmos.Medium, DirectionErrorDeg: 40, SpeedErrorMS: 0.5}, votes: steady, share: 0.95, runner: 0.2, want: LevelMedium, code: ReasonSupported, noCrossing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Engine{opt: Options{CrossBearings: tt.cross}.withDefaults()}
			var score float64
			for _, v := range tt.votes {
				score += v.Vote
			}
			res := &Result{Petitions: len(tt.votes), Candidates: []Candidate{
				{FacilityID: "F1", Score: score, Evidence: Evidence{Votes: tt.votes, Surface: tt.share}},
				{FacilityID: "F2", Score: score * tt.runner},
			}}
			res.Confidence.Wind = tt.wind
			e.judge(res, tt.single)
			c := res.Confidence
			if c.Level != tt.want || c.Code != tt.code {
				t.Fatalf("level %s (%s: %s), want %s (%s)", c.Level, c.Code, c.Reason, tt.want, tt.code)
			}
			x := c.Crossing
			if tt.noCrossing {
				if x != nil {
					t.Fatalf("crossing %+v", x)
				}
				return
			}
			if x == nil || x.FacilityID != "F1" || x.Hours != tt.hours || x.SpreadDeg != tt.spread || x.MinSpreadDeg != tt.minSpread || x.Passed != (tt.spread > tt.minSpread) {
				t.Fatalf("crossing %+v, want %d hours, spread %.1f° against %.1f°", x, tt.hours, tt.spread, tt.minSpread)
			}
		})
	}
}
