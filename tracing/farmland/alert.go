package farmland

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// AlertIntake is one intake gate an alert asks to close: by when, and
// whom to call.
type AlertIntake struct {
	IntakeID string `json:"intake_id"`
	Name     string `json:"name"`
	ReachID  string `json:"reach_id"`
	// CloseBy is the arrival of the leading edge: the gate must be shut
	// before it. HoursLeft counts from the alert's issue (negative: the
	// water is already there).
	CloseBy       time.Time `json:"close_by"`
	HoursLeft     float64   `json:"hours_left"`
	Concentration float64   `json:"concentration"`
	Standard      float64   `json:"standard"`
	Unit          string    `json:"unit"`
	AreaHa        float64   `json:"area_ha"`
	Office        string    `json:"office"`
	Contact       string    `json:"contact"`
	Email         string    `json:"email,omitempty"`
}

// Alert is what an exceedance at an intake produces: the gates to close,
// each by its deadline, and the offices to call.
type Alert struct {
	ID        string        `json:"alert_id"`
	IssuedAt  time.Time     `json:"issued_at"`
	Source    string        `json:"source"` // facility:ID or station:ID
	Parameter string        `json:"parameter"`
	Time      time.Time     `json:"discharge_time"`
	Intakes   []AlertIntake `json:"intakes"`
}

// Alert builds the alert of an impact: exactly the intakes whose estimated
// concentration exceeds the irrigation standard, nearest in time first;
// false when none does.
func (e *Engine) Alert(q Request, im *Impact, issued time.Time) (*Alert, bool) {
	a := &Alert{IssuedAt: issued, Parameter: q.Parameter, Time: q.Time, Intakes: []AlertIntake{}}
	if p, ok := IrrigationLimit(q.Parameter); ok {
		a.Parameter = p.Parameter
	}
	a.Source = "station:" + q.Station
	if q.Facility != "" {
		a.Source = "facility:" + q.Facility
	}
	for _, ii := range im.Intakes {
		if !ii.Exceeds || ii.Standard == nil {
			continue
		}
		in, _ := e.D.Intake(ii.IntakeID)
		a.Intakes = append(a.Intakes, AlertIntake{IntakeID: ii.IntakeID, Name: in.Name, ReachID: ii.ReachID, CloseBy: ii.ArrivalTime,
			HoursLeft: round(ii.ArrivalTime.Sub(issued).Hours(), 2), Concentration: ii.Concentration, Standard: *ii.Standard,
			Unit: ii.Unit, AreaHa: ii.AreaHa, Office: in.Office, Contact: in.Contact, Email: in.Email})
	}
	if len(a.Intakes) == 0 {
		return nil, false
	}
	a.ID = alertID(a.Source, a.Parameter, q)
	return a, true
}

// alertID is stable for one event, so recording it twice is one alert.
func alertID(source, parameter string, q Request) string {
	v := ""
	if q.Value != nil {
		v = strconv.FormatFloat(*q.Value, 'g', -1, 64) + q.Unit
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("%s|%s|%s|%s", source, parameter, q.Time.UTC().Format(time.RFC3339), v)))
	return "FA-" + hex.EncodeToString(h[:6])
}
