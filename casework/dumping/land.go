package dumping

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/tracing/model"
)

// Data-directory files this package reads (tracing/model.OwnedFiles lists
// them among the files a directory may hold).
const (
	FileAgencies      = model.FileAgencies
	FileParcels       = model.FileParcels
	FileJurisdictions = model.FileJurisdictions
)

// AgencyKind says what kind of body an agency is, which decides the roles
// routing can give it.
type AgencyKind string

// Agency kinds.
const (
	// KindLandManager is a central or state body that manages land:
	// 國有財產署, 林業及自然保育署, 水利署河川分署, 國防部, 台糖, park
	// administrations.
	KindLandManager AgencyKind = "manager"
	// KindCounty is a county or city government (縣市政府).
	KindCounty AgencyKind = "county"
	// KindTownship is a township, city or district office (鄉鎮市區公所).
	KindTownship AgencyKind = "township"
	// KindBureau is an environmental protection bureau (環保局).
	KindBureau AgencyKind = "bureau"
	// KindCentre is the contact platform itself: it routes by hand what
	// the rules cannot, and receives escalations.
	KindCentre AgencyKind = "centre"
)

var agencyKinds = []AgencyKind{KindLandManager, KindCounty, KindTownship, KindBureau, KindCentre}

// Agency is one body in the directory: who it is, how to reach it, which
// manager values name it, and how fast it has promised to act.
type Agency struct {
	ID   string     `json:"agency_id"`
	Name string     `json:"name"`
	Kind AgencyKind `json:"kind"`
	// Email and Webhook are where notifications go; either may be empty.
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Webhook string `json:"webhook_url,omitempty"`
	// Manages lists parcel manager values, besides the id, that name this
	// agency (such as an industrial park TYPE).
	Manages []string `json:"manages,omitempty"`
	// SLA is the time the agency allows itself in each state.
	SLA ServiceLevels `json:"service_levels"`
}

// ServiceLevels maps a state to the time allowed in it; a state absent
// from the map has no clock.
type ServiceLevels map[State]time.Duration

// MarshalJSON writes hours per state, the unit agencies.csv uses.
func (s ServiceLevels) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for _, st := range clockedStates {
		d, ok := s[st]
		if !ok {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", string(st)+"_h", strconv.FormatFloat(d.Hours(), 'f', -1, 64))
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// DefaultServiceLevels applies to a state whose sla_ column is blank:
// a day to acknowledge, three to answer a referral, a week to investigate,
// two weeks to clean up.
func DefaultServiceLevels() ServiceLevels {
	return ServiceLevels{
		StateReceived:        24 * time.Hour,
		StateAssigned:        24 * time.Hour,
		StateReferred:        72 * time.Hour,
		StateInvestigating:   7 * 24 * time.Hour,
		StateCleanupSchedule: 14 * 24 * time.Hour,
	}
}

// Jurisdiction is one township, county-administered city or district: it
// decides the fallback for land outside every parcel and the bureau for
// private land.
type Jurisdiction struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	County string `json:"county"`
	// Municipality is true in a special municipality (直轄市, such as
	// Taichung), whose district offices run no cleaning squads.
	Municipality bool `json:"municipality"`
	// Office, Government and Bureau are agency ids: the township or
	// district office, the county or city government and its
	// environmental bureau.
	Office     string `json:"office"`
	Government string `json:"government"`
	Bureau     string `json:"bureau"`
	// Geometry is in EPSG:3826.
	Geometry orb.Geometry `json:"-"`
}

// Parcel is one parcel or management area with the value naming its
// manager (an agency id, a manages value, or a role: county, township,
// private).
type Parcel struct {
	ID      string `json:"parcel_id"`
	Manager string `json:"manager"`
	// Owner is the recorded owner where known (private land).
	Owner string `json:"owner,omitempty"`
	// Section and LandNo are the cadastral section (地段) and land number
	// (地號), when the source has them.
	Section string `json:"section,omitempty"`
	LandNo  string `json:"land_no,omitempty"`
	// Geometry is an orb.Polygon or orb.MultiPolygon in EPSG:3826.
	Geometry orb.Geometry `json:"-"`
}

// Manager roles a parcel can name instead of an agency.
const (
	RoleCounty   = "county"
	RoleTownship = "township"
	RolePrivate  = "private"
)

// Land is what routing needs: agencies, parcels and jurisdictions.
type Land struct {
	Agencies      []Agency
	Parcels       []Parcel
	Jurisdictions []Jurisdiction
	// Warnings are problems that did not stop reading (damaged text in a
	// parcel file's attributes, say), each naming its row and field.
	Warnings []error
}

// Agency returns the agency with id, or false.
func (l *Land) Agency(id string) (Agency, bool) {
	for _, a := range l.Agencies {
		if a.ID == id {
			return a, true
		}
	}
	return Agency{}, false
}

// ReadLand reads a data directory's agencies.csv, parcels.geojson and
// jurisdictions.geojson. A directory without agencies.csv has no dumping
// data: ReadLand returns nil, nil. Every problem found is reported.
func ReadLand(dir string) (*Land, error) {
	ap := filepath.Join(dir, FileAgencies)
	if _, err := os.Stat(ap); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	l := &Land{}
	var err error
	if l.Agencies, err = ReadAgencies(ap); err != nil {
		return nil, err
	}
	if p := filepath.Join(dir, FileJurisdictions); exists(p) {
		if l.Jurisdictions, err = ReadJurisdictions(p); err != nil {
			return nil, err
		}
	}
	if p := filepath.Join(dir, FileParcels); exists(p) {
		ly, err := layer.Read(p, layer.Options{})
		if err != nil {
			return nil, err
		}
		if l.Parcels, err = ParcelsFromLayer(ly, "manager"); err != nil {
			return nil, err
		}
		for _, w := range ly.Warnings {
			l.Warnings = append(l.Warnings, w)
		}
	}
	return l, l.Validate()
}

func exists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// agencyColumns are agencies.csv's columns: required first.
var agencyColumns = struct{ required, optional []string }{
	[]string{"agency_id", "name", "kind"},
	[]string{"email", "phone", "webhook_url", "manages", "sla_received_h", "sla_assigned_h", "sla_referred_h", "sla_investigating_h", "sla_cleanup_scheduled_h", "note"},
}

// ReadAgencies reads an agency directory in the agencies.csv format.
func ReadAgencies(path string) ([]Agency, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dumping: %w", err)
	}
	defer f.Close()
	return parseAgencies(filepath.Base(path), f)
}

func parseAgencies(name string, r io.Reader) ([]Agency, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, &model.FieldError{File: name, Line: 1, Err: fmt.Errorf("no header: %w", err)}
	}
	col := map[string]int{}
	known := append(slices.Clone(agencyColumns.required), agencyColumns.optional...)
	var errs []error
	for i, h := range head {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !slices.Contains(known, h) {
			errs = append(errs, &model.FieldError{File: name, Line: 1, Column: h, Err: fmt.Errorf("unknown column; known: %s", strings.Join(known, ", "))})
		}
		col[h] = i
	}
	for _, c := range agencyColumns.required {
		if _, ok := col[c]; !ok {
			errs = append(errs, &model.FieldError{File: name, Line: 1, Column: c, Err: errors.New("required column missing")})
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var out []Agency
	seen := map[string]int{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &model.FieldError{File: name, Line: line, Err: err}
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		fail := func(c, v string, e error) {
			errs = append(errs, &model.FieldError{File: name, Line: line, Column: c, Value: v, Err: e})
		}
		a := Agency{ID: get("agency_id"), Name: get("name"), Kind: AgencyKind(get("kind")),
			Email: get("email"), Phone: get("phone"), Webhook: get("webhook_url"), SLA: DefaultServiceLevels()}
		switch {
		case a.ID == "":
			fail("agency_id", "", errors.New("empty"))
		case seen[a.ID] > 0:
			fail("agency_id", a.ID, fmt.Errorf("repeats the agency of line %d", seen[a.ID]))
		}
		seen[a.ID] = line
		if a.Name == "" {
			fail("name", "", errors.New("empty"))
		}
		if !slices.Contains(agencyKinds, a.Kind) {
			fail("kind", string(a.Kind), fmt.Errorf("want one of %v", agencyKinds))
		}
		if a.Email != "" && !strings.Contains(a.Email, "@") {
			fail("email", a.Email, errors.New("not an e-mail address"))
		}
		if a.Webhook != "" && !strings.HasPrefix(a.Webhook, "https://") && !strings.HasPrefix(a.Webhook, "http://") {
			fail("webhook_url", a.Webhook, errors.New("must be an http(s) URL"))
		}
		for _, m := range strings.Split(get("manages"), ";") {
			if m = strings.TrimSpace(m); m != "" {
				a.Manages = append(a.Manages, m)
			}
		}
		for _, st := range clockedStates {
			c := "sla_" + string(st) + "_h"
			v := get(c)
			if v == "" {
				continue
			}
			h, err := strconv.ParseFloat(v, 64)
			if err != nil || !(h > 0) || h > 24*366 {
				fail(c, v, errors.New("want hours, a number above 0 and at most a year"))
				continue
			}
			a.SLA[st] = time.Duration(h * float64(time.Hour))
		}
		out = append(out, a)
	}
	return out, errors.Join(errs...)
}

// ReadJurisdictions reads jurisdictions.geojson: polygons with id, name,
// county, municipality (true/false), office, government and bureau.
func ReadJurisdictions(path string) ([]Jurisdiction, error) {
	ly, err := layer.Read(path, layer.Options{})
	if err != nil {
		return nil, err
	}
	to3826, err := toTWD97(ly)
	if err != nil {
		return nil, err
	}
	var out []Jurisdiction
	var errs []error
	for _, f := range ly.Features {
		str := func(k string) string {
			v, _ := f.String(k)
			return strings.TrimSpace(v)
		}
		j := Jurisdiction{ID: str("id"), Name: str("name"), County: str("county"),
			Office: str("office"), Government: str("government"), Bureau: str("bureau")}
		j.Municipality, _ = f.Bool("municipality")
		g, err := polygonIn(f.Geometry, to3826)
		if err != nil {
			errs = append(errs, &layer.RowError{File: path, Row: f.Row, Field: "geometry", Err: err})
			continue
		}
		j.Geometry = g
		for _, k := range []struct{ name, v string }{{"id", j.ID}, {"name", j.Name}, {"bureau", j.Bureau}, {"government", j.Government}} {
			if k.v == "" {
				errs = append(errs, &layer.RowError{File: path, Row: f.Row, Field: k.name, Err: errors.New("empty")})
			}
		}
		if !j.Municipality && j.Office == "" {
			errs = append(errs, &layer.RowError{File: path, Row: f.Row, Field: "office", Err: errors.New("a county township needs its office (the cleaning squad it runs)")})
		}
		out = append(out, j)
	}
	return out, errors.Join(errs...)
}

// managerClasses maps the manager classes Taiwanese layers write in words
// to the roles routing resolves through the jurisdiction.
var managerClasses = map[string]string{
	"縣市開發工業區": RoleCounty,
	"縣市政府":    RoleCounty,
	"鄉鎮市公所":   RoleTownship,
	"私有":      RolePrivate,
	"私有地":     RolePrivate,
}

// ParcelsFromLayer turns a GIS layer into parcels, reading the manager
// from managerField and, when present, parcel_id (else id, else the row
// number), owner, section and land_no. Manager classes written in words
// (縣市開發工業區, 私有 ...) become the roles county, township, private. A
// row whose manager text is damaged (a layer warning on that field) is
// left out: the warning names it. Geometry is converted to EPSG:3826;
// a layer without a declared CRS must hold TM2 metres or lon/lat degrees,
// told apart by range.
func ParcelsFromLayer(ly *layer.Layer, managerField string) ([]Parcel, error) {
	if managerField == "" {
		return nil, errors.New("dumping: the manager field must be named")
	}
	if !slices.ContainsFunc(ly.Fields, func(f string) bool { return strings.EqualFold(f, managerField) }) && len(ly.Features) > 0 {
		return nil, fmt.Errorf("dumping: layer %q has no field %q (fields: %s)", ly.Name, managerField, strings.Join(ly.Fields, ", "))
	}
	to3826, err := toTWD97(ly)
	if err != nil {
		return nil, err
	}
	damaged := map[int]bool{}
	for _, w := range ly.Warnings {
		if strings.EqualFold(w.Field, managerField) {
			damaged[w.Row] = true
		}
	}
	var out []Parcel
	var errs []error
	seen := map[string]int{}
	for _, f := range ly.Features {
		str := func(k string) string {
			v, ok := f.String(k)
			if !ok {
				if x, ok := f.Value(k); ok && x != nil {
					v = fmt.Sprint(x)
				}
			}
			return strings.TrimSpace(v)
		}
		p := Parcel{ID: str("parcel_id"), Manager: str(managerField), Owner: str("owner"), Section: str("section"), LandNo: str("land_no")}
		if p.ID == "" {
			p.ID = str("id")
		}
		if p.ID == "" {
			p.ID = ly.Name + "-" + strconv.Itoa(f.Row)
		}
		if r, ok := seen[p.ID]; ok {
			errs = append(errs, &layer.RowError{File: ly.Name, Row: f.Row, Field: "parcel_id", Err: fmt.Errorf("%q repeats the parcel of row %d", p.ID, r)})
			continue
		}
		seen[p.ID] = f.Row
		if p.Manager == "" {
			errs = append(errs, &layer.RowError{File: ly.Name, Row: f.Row, Field: managerField, Err: errors.New("no manager")})
			continue
		}
		if damaged[f.Row] {
			// The manager's text was lost (see ly.Warnings): routing it would
			// guess, so the parcel is left out and the warning stands.
			continue
		}
		if role, ok := managerClasses[p.Manager]; ok {
			p.Manager = role
		}
		g, err := polygonIn(f.Geometry, to3826)
		if err != nil {
			errs = append(errs, &layer.RowError{File: ly.Name, Row: f.Row, Field: "geometry", Err: err})
			continue
		}
		p.Geometry = g
		out = append(out, p)
	}
	return out, errors.Join(errs...)
}

// toTWD97 returns the transformer from the layer's CRS to EPSG:3826. A
// GeoJSON file without a crs member says 4326; if its coordinates are out
// of the lon/lat range they are taken as TM2 metres only when they fall on
// Taiwan's TM2 grid.
func toTWD97(ly *layer.Layer) (*crs.Transformer, error) {
	var b orb.Bound
	for i, f := range ly.Features {
		if f.Geometry == nil {
			continue
		}
		if i == 0 || b.IsZero() {
			b = f.Geometry.Bound()
		} else {
			b = b.Union(f.Geometry.Bound())
		}
	}
	from := crs.Code(ly.SRID)
	lonlat := b.Min[0] >= -180 && b.Max[0] <= 180 && b.Min[1] >= -90 && b.Max[1] <= 90
	tm2 := b.Min[0] >= 100000 && b.Max[0] <= 400000 && b.Min[1] >= 2400000 && b.Max[1] <= 2850000
	switch {
	case from == 0 && lonlat, (from == crs.WGS84 || from == crs.CRS84) && !lonlat && tm2:
		from = crs.WGS84
		if !lonlat {
			from = crs.TWD97TM2
		}
	case from == 0 && tm2:
		from = crs.TWD97TM2
	case from == 0:
		return nil, fmt.Errorf("dumping: %s: no CRS declared and the coordinates (%v) are neither lon/lat nor TWD97 / TM2 metres", ly.Name, b)
	}
	if from.IsGeographic() && !lonlat {
		return nil, fmt.Errorf("dumping: %s: declared %s but coordinates %v are not lon/lat", ly.Name, from, b)
	}
	t, err := crs.NewTransformer(from, crs.TWD97TM2)
	if err != nil {
		return nil, fmt.Errorf("dumping: %s: %w", ly.Name, err)
	}
	return t, nil
}

// polygonIn checks that g is a non-empty polygon and converts it.
func polygonIn(g orb.Geometry, t *crs.Transformer) (orb.Geometry, error) {
	switch g := g.(type) {
	case orb.Polygon:
		if len(g) == 0 || len(g[0]) < 4 {
			return nil, errors.New("polygon has no ring of at least 4 points")
		}
	case orb.MultiPolygon:
		if len(g) == 0 {
			return nil, errors.New("empty multipolygon")
		}
	case nil:
		return nil, errors.New("no geometry")
	default:
		return nil, fmt.Errorf("want a Polygon or MultiPolygon, got %s", g.GeoJSONType())
	}
	out, err := t.Geometry(g)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Validate checks the references between agencies, jurisdictions and
// parcels: every manager value resolves, every jurisdiction names existing
// agencies, and there is exactly one centre.
func (l *Land) Validate() error {
	var errs []error
	ids := map[string]Agency{}
	alias := map[string]string{}
	centres := 0
	for _, a := range l.Agencies {
		ids[a.ID] = a
		if a.Kind == KindCentre {
			centres++
		}
		for _, m := range a.Manages {
			if other, ok := alias[m]; ok && other != a.ID {
				errs = append(errs, fmt.Errorf("dumping: %s: manager value %q is listed by both %s and %s", FileAgencies, m, other, a.ID))
			}
			alias[m] = a.ID
		}
	}
	if centres != 1 {
		errs = append(errs, fmt.Errorf("dumping: %s: want exactly one agency of kind centre, found %d", FileAgencies, centres))
	}
	for _, j := range l.Jurisdictions {
		for _, ref := range []struct{ col, id string }{{"office", j.Office}, {"government", j.Government}, {"bureau", j.Bureau}} {
			if ref.id != "" {
				if _, ok := ids[ref.id]; !ok {
					errs = append(errs, fmt.Errorf("dumping: %s: jurisdiction %s: %s %q is not in %s", FileJurisdictions, j.ID, ref.col, ref.id, FileAgencies))
				}
			}
		}
	}
	bad := map[string]int{}
	for _, p := range l.Parcels {
		if _, ok := ids[p.Manager]; ok {
			continue
		}
		if _, ok := alias[p.Manager]; ok {
			continue
		}
		if p.Manager == RoleCounty || p.Manager == RoleTownship || p.Manager == RolePrivate {
			continue
		}
		bad[p.Manager]++
	}
	for _, m := range slices.Sorted(maps.Keys(bad)) {
		errs = append(errs, fmt.Errorf("dumping: manager %q (%d parcels) names no agency: add it to %s as an agency id or in an agency's manages column", m, bad[m], FileAgencies))
	}
	return errors.Join(errs...)
}
