package model

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"
	"time"
)

// Digest is a fingerprint of the records of the dataset: "sha256:" and
// the first 16 bytes of the SHA-256 of a canonical serialisation (each
// record's fields in order, numbers in their shortest decimal form, times
// as instants with their offset). Two datasets with the same records in
// the same order have the same digest wherever they were loaded from (a
// data directory, PostGIS), so a verdict can name the data it was computed
// from and be reproduced later. It covers what a river trace reads, with
// each reading's laboratory record (what a case file grades as evidence);
// not the network path, the online effluent series (effluent.csv) or the
// lon/lat of facilities outside Taiwan, which no trace reads and the
// PostGIS store does not hold, so that both stores give one digest.
func (d *Dataset) Digest() string {
	w := &digester{h: sha256.New()}
	for _, f := range d.Facilities {
		w.kind("facility")
		w.s(f.EmsNo, f.Name, f.Industry, f.ReceivingWater, f.Note)
		w.pt(f.Location)
	}
	for _, o := range d.Outfalls {
		w.kind("outfall")
		w.s(o.Facility, o.ID, o.ReceivingWater, o.Note)
		w.pt(&o.Point)
	}
	for _, p := range d.Permits {
		w.kind("permit")
		w.s(p.PerNo, p.Facility, p.Type, p.IntakeSource, p.Note)
		w.t(p.ValidFrom, p.ValidTo)
		w.f(p.MaxDailyM3)
		w.opt(p.IntakeM3PerDay)
		w.opt(p.TreatmentCapacityM3PerDay)
	}
	for _, l := range d.Limits {
		w.kind("limit")
		w.s(l.Permit, l.Outfall, l.Parameter, l.Unit, string(l.StatBase), l.Bound.String(), l.Note, strconv.FormatBool(l.ReportOnly))
		w.f(l.Value)
	}
	for _, r := range d.Reports {
		w.kind("report")
		w.s(r.Facility, r.Permit, r.Outfall, r.Parameter, r.Unit, string(r.StatBase), r.NoData, r.FlowUnit, r.Note, strconv.FormatBool(r.Censored))
		w.t(r.Period.Start, r.Period.End)
		w.f(r.Value, r.Flow)
	}
	for _, s := range d.Stations {
		w.kind("station")
		w.s(s.ID, s.Name, string(s.Kind), s.River, string(s.WaterClass), strconv.FormatBool(s.Tidal), s.Note)
		w.pt(&s.Point)
	}
	for i := range d.readings {
		r := d.Reading(i)
		w.kind("reading")
		w.s(r.Station, r.Parameter, r.Unit, r.FlowUnit, r.Note, strconv.FormatBool(r.Censored))
		w.s(r.Sample.ID, r.Sample.Method, r.Sample.Lab, r.Sample.Accreditation, r.Sample.QA)
		w.t(r.Time)
		w.f(r.Value, r.Flow)
	}
	return "sha256:" + hex.EncodeToString(w.h.Sum(nil)[:16])
}

// digester writes fields separated by unit separators, records by record
// separators, so that no two different datasets serialise alike.
type digester struct {
	h   hash.Hash
	buf []byte
}

func (w *digester) field(b []byte) {
	w.buf = append(append(w.buf[:0], b...), 0x1f)
	w.h.Write(w.buf)
}

func (w *digester) kind(k string) { w.h.Write([]byte{0x1e}); w.field([]byte(k)) }

func (w *digester) s(vs ...string) {
	for _, v := range vs {
		w.field([]byte(v))
	}
}

func (w *digester) f(vs ...float64) {
	for _, v := range vs {
		w.field(strconv.AppendFloat(nil, v, 'g', -1, 64))
	}
}

func (w *digester) opt(v *float64) {
	if v == nil {
		w.field(nil)
		return
	}
	w.f(*v)
}

func (w *digester) pt(p *Point) {
	if p == nil {
		w.field(nil)
		return
	}
	w.f(p.X, p.Y)
}

func (w *digester) t(ts ...time.Time) {
	for _, t := range ts {
		_, off := t.Zone()
		w.field(strconv.AppendInt(append(strconv.AppendInt(nil, t.UnixNano(), 10), '@'), int64(off), 10))
	}
}
