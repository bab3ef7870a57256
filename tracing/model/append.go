package model

import "maps"

// WithReadings returns a Dataset holding d's records and fresh appended to
// its readings, without copying or re-validating what d holds: each fresh
// reading is checked by the rules of the readings file and converted to
// its canonical unit, and only the index of the stations they belong to
// is extended. This is what lets a server apply every ingested batch (and
// a replica every batch another replica ingested) in time proportional to
// the batch, not to the dataset.
//
// d must be indexed (Index) and stays valid and unchanged: a reader still
// holding d sees exactly what it saw before. The result shares d's record
// slices, so WithReadings must be called on the newest Dataset only
// (callers serialise it, as the server's ingest lock does); calling it
// twice on one Dataset would let the second overwrite the first's
// readings. The caller must already have set aside readings whose key
// (station, time, parameter) d holds or that repeat within fresh
// (SortNew), because telling a re-sent reading from a conflict needs the
// caller's key index. On a bad reading it returns the problems, each
// naming its index in fresh, and d is untouched.
func (d *Dataset) WithReadings(fresh []Reading) (*Dataset, error) {
	old := d.index()
	v := &validator{d: d, ix: old}
	canon := make([]Reading, len(fresh))
	for i := range fresh {
		v.reading(i, &fresh[i])
		if c, err := fresh[i].Canonical(); err == nil {
			canon[i] = c
		}
	}
	if err := v.p.err(); err != nil {
		return nil, err
	}
	next := *d
	base := len(d.readings)
	next.readings = append(d.readings, canon...)
	ix := *old
	ix.readingsAt = maps.Clone(old.readingsAt)
	for i := range canon {
		st := canon[i].Station
		// Appending may write past the end of d's slice into spare
		// capacity, which d never reads (the same holds for readings).
		ix.readingsAt[st] = append(ix.readingsAt[st], base+i)
	}
	next.idx = &ix
	return &next, nil
}
