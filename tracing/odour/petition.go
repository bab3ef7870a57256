package odour

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/internal/csvtab"
	"github.com/envtrace/envtrace/tracing/model"
)

// Duration is how long the petitioner smelt the odour (OdourCollect's
// scale).
type Duration string

// The durations; empty when not given.
const (
	Punctual       Duration = "punctual"
	ContinuousHour Duration = "continuous-hour"
	ContinuousDay  Duration = "continuous-day"
)

var durations = map[string]Duration{
	"": "", "punctual": Punctual, "瞬間": Punctual, "continuous-hour": ContinuousHour, "continuous in the last hour": ContinuousHour,
	"持續一小時": ContinuousHour, "continuous-day": ContinuousDay, "continuous throughout the day": ContinuousDay, "持續整天": ContinuousDay,
}

// Petition is one odour complaint (公害陳情) as analysis sees it. Its exact
// location is private: it never appears in JSON (Lon and Lat are not
// serialised); the petitioner's contact is not part of it at all (see
// Contact).
type Petition struct {
	ID string `json:"petition_id"`
	// Time is when the odour was smelt, with its zone.
	Time time.Time `json:"time"`
	// Lon, Lat are the exact location (WGS84), private.
	Lon float64 `json:"-"`
	Lat float64 `json:"-"`
	// Category is the odour's class in the two-tier taxonomy.
	Category Category `json:"category"`
	// Intensity is on the VDI 3882 scale: 0 not perceptible … 6
	// extremely strong.
	Intensity int `json:"intensity"`
	// Hedonic is the hedonic tone, −4 (extremely unpleasant) … +4; nil
	// when not given.
	Hedonic  *int     `json:"hedonic,omitempty"`
	Duration Duration `json:"duration,omitempty"`
	// Channel is how the petition came in (1999 hotline, web, app, ...).
	Channel     string `json:"channel,omitempty"`
	Description string `json:"description,omitempty"`
}

// Traceable reports whether the petition points at a source: a nuisance
// category and a perceptible odour.
func (p Petition) Traceable() bool { return p.Intensity > 0 && p.Category.IsComplaint() }

// ErrPrivate is returned when personal data is about to be serialised.
var ErrPrivate = errors.New("odour: petitioners' contacts are private and are never serialised")

// Contact is a petitioner's personal data, read from petitions.csv's
// private columns into a value separate from the petition. It refuses to
// be serialised to JSON, so no analytic output can carry it by accident;
// access control and encryption at rest are the identity layer's.
type Contact struct {
	Name, Phone, Email string
	// Address is the address the petitioner gave with the location.
	Address string
}

// MarshalJSON refuses: see ErrPrivate.
func (Contact) MarshalJSON() ([]byte, error) { return nil, ErrPrivate }

// Empty reports whether no contact field is filled.
func (c Contact) Empty() bool { return c == Contact{} }

// Contacts holds the contacts of the petitions that gave one, by petition
// id.
type Contacts map[string]Contact

// MarshalJSON refuses: see ErrPrivate.
func (Contacts) MarshalJSON() ([]byte, error) { return nil, ErrPrivate }

// privateColumns are petitions.csv's personal-data columns.
var privateColumns = []string{"contact_name", "contact_phone", "contact_email", "address"}

var petitionSchema = csvtab.Schema{
	Required: []string{"petition_id", "time", "category", "intensity"},
	Optional: append([]string{"x", "y", "lon", "lat", "description", "hedonic", "duration", "channel"}, privateColumns...),
	Pairs:    [][2]string{{"x", "y"}, {"lon", "lat"}},
}

// ReadPetitions reads petitions.csv. Locations are x,y (EPSG:3826) or
// lon,lat (anywhere), required; times carry a zone; the category is
// parsed by ParseCategory; intensity is 0–6 and hedonic tone −4…+4. The
// private columns go into the returned Contacts, never into the petitions.
// Petition ids must be unique.
func ReadPetitions(r io.Reader) ([]Petition, Contacts, error) {
	t := csvtab.Open(model.FilePetitions, r, petitionSchema)
	var out []Petition
	contacts := Contacts{}
	seen := map[string]int{}
	t.Rows(func(row *csvtab.Row) {
		row.Required("petition_id")
		p := Petition{ID: row.Str("petition_id"), Time: row.Time("time"), Description: row.Str("description"), Channel: row.Str("channel")}
		pt, col, err := crs.PositionFrom(row.Str("x"), row.Str("y"), row.Str("lon"), row.Str("lat"))
		if err != nil {
			row.Fail(col, err)
		}
		p.Lon, p.Lat = pt[0], pt[1]
		if c, err := ParseCategory(row.Str("category")); err != nil {
			row.Fail("category", err)
		} else {
			p.Category = c
		}
		if v, ok := row.Int("intensity", 0, 6); ok {
			p.Intensity = v
		} else if !row.Bad() {
			row.Fail("intensity", errors.New("required: 0 (not perceptible) to 6 (extremely strong)"))
		}
		if v, ok := row.Int("hedonic", -4, 4); ok {
			p.Hedonic = &v
		}
		d, ok := durations[strings.ToLower(row.Str("duration"))]
		if !ok {
			row.Fail("duration", errors.New("want punctual, continuous-hour or continuous-day"))
		}
		p.Duration = d
		if first, dup := seen[p.ID]; dup && p.ID != "" {
			row.Fail("petition_id", fmt.Errorf("duplicate petition id (first on line %d)", first))
		}
		seen[p.ID] = row.Line
		if row.Bad() {
			return
		}
		c := Contact{Name: row.Str("contact_name"), Phone: row.Str("contact_phone"), Email: row.Str("contact_email"), Address: row.Str("address")}
		if !c.Empty() {
			contacts[p.ID] = c
		}
		out = append(out, p)
	})
	return out, contacts, t.Err()
}

// WritePetitions writes petitions.csv in time order, lon/lat for the
// location, with the contacts in the private columns.
func WritePetitions(w io.Writer, ps []Petition, contacts Contacts) error {
	ps = append([]Petition(nil), ps...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Time.Before(ps[j].Time) })
	cw := csv.NewWriter(w)
	_ = cw.Write(append([]string{"petition_id", "time", "lon", "lat", "category", "intensity", "hedonic", "duration", "channel", "description"}, privateColumns...))
	for _, p := range ps {
		h := ""
		if p.Hedonic != nil {
			h = strconv.Itoa(*p.Hedonic)
		}
		c := contacts[p.ID]
		_ = cw.Write([]string{p.ID, p.Time.Format(time.RFC3339), strconv.FormatFloat(p.Lon, 'f', 7, 64), strconv.FormatFloat(p.Lat, 'f', 7, 64),
			p.Category.String(), strconv.Itoa(p.Intensity), h, string(p.Duration), p.Channel, p.Description, c.Name, c.Phone, c.Email, c.Address})
	}
	cw.Flush()
	return cw.Error()
}
