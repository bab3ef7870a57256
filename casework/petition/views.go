package petition

import (
	"math"
	"time"
)

// PublicView is what anybody may see of a petition: the odour, its time
// and a location shifted by the desk's keyed fuzzer (at most FuzzBoxM per
// axis). No case number, text, address or contact.
type PublicView struct {
	ID        string  `json:"petition_id"`
	Time      string  `json:"time"`
	Category  string  `json:"category"`
	Intensity int     `json:"intensity"`
	Hedonic   *int    `json:"hedonic,omitempty"`
	Duration  string  `json:"duration,omitempty"`
	Channel   string  `json:"channel,omitempty"`
	Lon       float64 `json:"lon"`
	Lat       float64 `json:"lat"`
	FuzzBoxM  float64 `json:"fuzz_box_m"`
}

// StaffView adds what agency and centre staff see: the exact location,
// the case number, the description and whether a sealed contact exists
// (opened separately, by the centre only).
type StaffView struct {
	PublicView
	CaseNumber  string    `json:"case_number,omitempty"`
	Received    time.Time `json:"received"`
	ExactLon    float64   `json:"exact_lon"`
	ExactLat    float64   `json:"exact_lat"`
	Description string    `json:"description,omitempty"`
	HasContact  bool      `json:"has_contact"`
	Traceable   bool      `json:"traceable"`
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

func (d *Desk) public(r *record) PublicView {
	return PublicView{ID: r.p.ID, Time: r.p.Time.Format(time.RFC3339), Category: r.p.Category.String(),
		Intensity: r.p.Intensity, Hedonic: r.p.Hedonic, Duration: string(r.p.Duration), Channel: r.p.Channel,
		Lon: round6(r.pubLon), Lat: round6(r.pubLat), FuzzBoxM: math.Round(MaxPublicShiftM*10) / 10}
}

func (d *Desk) staff(r *record) StaffView {
	return StaffView{PublicView: d.public(r), CaseNumber: r.caseNumber, Received: r.received, ExactLon: r.p.Lon, ExactLat: r.p.Lat,
		Description: r.p.Description, HasContact: r.sealed != nil, Traceable: r.p.Traceable()}
}
