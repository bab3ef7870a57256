package model

import (
	"errors"
	"slices"

	"github.com/envtrace/envtrace/tracing/dmr"
)

// WithRecords returns a Dataset holding d's records with changed's
// facilities, outfalls, permits, limits, reports and stations merged in by
// key, as the store's import merges them: a record with a key d holds
// replaces it in place, a new one is appended. changed's readings and
// effluent are ignored. This is how a running server applies records
// another process imported (a replica follows the store this way) without
// reading, re-validating or re-indexing the readings: the six record kinds
// are copied and checked again, together, by the data directory's rules,
// and the readings and their index are shared with d.
//
// d must be indexed (Index) and stays valid and unchanged: a reader still
// holding d sees exactly what it saw before. Records cannot be removed, so
// every reading keeps its station. On a bad record it returns the
// problems, each naming its index in the merged kind, and d is untouched.
func (d *Dataset) WithRecords(changed *Dataset) (*Dataset, error) {
	old := d.index()
	next := *d
	next.Facilities = merge(d.Facilities, changed.Facilities, func(f *Facility) string { return f.EmsNo })
	next.Outfalls = merge(d.Outfalls, changed.Outfalls, func(o *Outfall) OutfallKey { return OutfallKey{o.Facility, o.ID} })
	next.Permits = merge(d.Permits, changed.Permits, func(p *Permit) string { return p.PerNo })
	next.Limits = merge(d.Limits, changed.Limits, limitKey)
	next.Reports = merge(d.Reports, changed.Reports, reportKey)
	next.Stations = merge(d.Stations, changed.Stations, func(s *Station) string { return s.ID })
	ix := indexRecords(&next)
	ix.readingsAt, ix.effluentOf = old.readingsAt, old.effluentOf
	v := &validator{d: &next, ix: ix}
	v.facilities()
	v.outfalls()
	v.permits()
	v.limits()
	v.reports()
	v.stations()
	if err := v.p.err(); err != nil {
		return nil, err
	}
	// A kind with changes was merged into a copy, so converting it leaves
	// d alone. A kind without changes shares d's array, which requests
	// may be reading, and is left untouched.
	if len(changed.Reports) > 0 {
		for i := range next.Reports {
			if c, err := next.Reports[i].Canonical(); err == nil {
				next.Reports[i] = c
			}
		}
	}
	if len(changed.Limits) > 0 {
		for i := range next.Limits {
			if c, err := next.Limits[i].Canonical(); err == nil {
				next.Limits[i] = c
			}
		}
	}
	next.idx = ix
	return &next, nil
}

// WithCorrections returns a Dataset whose reading at index at[k] (as
// Reading counts them) holds fresh[k] instead: a value an import corrected after the
// reading was stored. Each fresh reading must have the key (station, time,
// parameter) of the reading it replaces; it is checked by the rules of the
// readings file and converted to its canonical unit.
//
// The readings are not copied: the result shares d's readings and holds its
// own copy of only the chunks of correctionChunk readings that a
// correction touches (copy on write), so a batch costs time in proportion
// to the batch, not to all readings held, while d and its readers keep the
// old values; Reading, ReadingsAt and CurrentReadings, the only ways to
// read them, see the corrections. The index is shared,
// since no reading moves. Like WithReadings, it must be called on the
// newest Dataset only.
func (d *Dataset) WithCorrections(at []int, fresh []Reading) (*Dataset, error) {
	old := d.index()
	v := &validator{d: d, ix: old}
	canon := make([]Reading, len(fresh))
	for k := range fresh {
		v.reading(k, &fresh[k])
		c, err := fresh[k].Canonical()
		if err != nil {
			continue
		}
		if i := at[k]; i < 0 || i >= len(d.readings) || KeyOf(d.Reading(i)) != KeyOf(&c) {
			v.bad(FileReadings, k)("time", c.Time.String(), errors.New("not the station, time and parameter of the reading it corrects"))
		}
		canon[k] = c
	}
	if err := v.p.err(); err != nil {
		return nil, err
	}
	next := *d
	next.fixed = make([][]Reading, (len(d.readings)+correctionChunk-1)/correctionChunk)
	copy(next.fixed, d.fixed)
	copied := map[int]bool{}
	for k, i := range at {
		c := i / correctionChunk
		if !copied[c] {
			copied[c] = true
			lo, hi := c*correctionChunk, min((c+1)*correctionChunk, len(d.readings))
			chunk := make([]Reading, hi-lo)
			// The chunk's earlier copy, then the readings appended since.
			var prev []Reading
			if c < len(d.fixed) {
				prev = d.fixed[c]
			}
			n := copy(chunk, prev)
			copy(chunk[n:], d.readings[lo+n:hi])
			next.fixed[c] = chunk
		}
		next.fixed[c][i-c*correctionChunk] = canon[k]
	}
	return &next, nil
}

// merge returns a copy of held with each of changed replacing the record
// of its key, or appended when held has none.
func merge[T any, K comparable](held, changed []T, key func(*T) K) []T {
	if len(changed) == 0 {
		return held
	}
	out := slices.Clone(held)
	at := make(map[K]int, len(out))
	for i := range out {
		at[key(&out[i])] = i
	}
	for _, c := range changed {
		if i, ok := at[key(&c)]; ok {
			out[i] = c
			continue
		}
		at[key(&c)] = len(out)
		out = append(out, c)
	}
	return out
}

// limitKeyOf is a permit limit's key in the store (both sides of a merge
// hold canonical parameter ids).
type limitKeyOf struct {
	permit, outfall, parameter string
	base                       dmr.StatBase
	bound                      dmr.Bound
}

func limitKey(l *PermitLimit) limitKeyOf {
	return limitKeyOf{l.Permit, l.Outfall, l.Parameter, l.StatBase, l.Bound}
}

// reportKeyOf is a report's key in the store.
type reportKeyOf struct {
	facility, permit, outfall, parameter string
	base                                 dmr.StatBase
	start, end                           int64
}

func reportKey(r *Report) reportKeyOf {
	return reportKeyOf{r.Facility, r.Permit, r.Outfall, r.Parameter, r.StatBase, r.Period.Start.Unix(), r.Period.End.Unix()}
}
