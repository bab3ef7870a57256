package privacy

import (
	"encoding/binary"
	"fmt"
	"math"
)

// FuzzBoxM is the half-width of the box a public location may move within
// on each axis: 0.1 mile (160.9344 m), as the issue documents. A fuzzed
// point lies within ±FuzzBoxM metres east-west and north-south of the true
// one.
const FuzzBoxM = 160.9344

// fuzzCellM is the side of the grid cells locations are keyed by. A point
// is at most half a cell from its cell's centre and the keyed offset at
// most half a cell, so a cell of FuzzBoxM keeps every shift within the box;
// 0.1% less leaves room for the longitude scale changing across a cell.
const fuzzCellM = 0.999 * FuzzBoxM

// metresPerDegree is the length of one degree of latitude on the sphere of
// mean radius 6,371,008.8 m (IUGG): the grid needs a fixed, documented
// conversion, not geodesic accuracy.
const metresPerDegree = 6371008.8 * math.Pi / 180

// Fuzzer moves public locations. The shift is keyed by a secret and by the
// location itself, never by the record: every location in one grid cell
// (FuzzBoxM on a side) is published as the same point, the cell's centre
// plus an offset derived from the secret and the cell. Twenty complaints
// from one home therefore publish one point, and averaging them reveals
// nothing more than one of them; without the secret the offset cannot be
// undone. The published point is within ±FuzzBoxM of the true one on each
// axis (half a cell from the centre plus at most half a cell of offset).
type Fuzzer struct{ secret Secret }

// NewFuzzer keys a fuzzer with secret.
func NewFuzzer(secret Secret) *Fuzzer { return &Fuzzer{secret: secret} }

// Fuzz returns the public location of (lon, lat), WGS84 degrees. It fails
// on coordinates that are not finite or out of range rather than publish
// NaN.
func (f *Fuzzer) Fuzz(lon, lat float64) (float64, float64, error) {
	if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -89 || lat > 89 {
		return 0, 0, fmt.Errorf("privacy: cannot fuzz location (%v, %v): want longitude in [-180, 180] and latitude in [-89, 89]", lon, lat)
	}
	dLat := fuzzCellM / metresPerDegree
	row := math.Floor(lat / dLat)
	centreLat := (row + 0.5) * dLat
	dLon := fuzzCellM / (metresPerDegree * math.Cos(centreLat*math.Pi/180))
	col := math.Floor(lon / dLon)
	centreLon := (col + 0.5) * dLon
	ox, oy := f.offset(int64(row), int64(col))
	return centreLon + ox*dLon, centreLat + oy*dLat, nil
}

// offset is the cell's keyed shift, each axis uniform in [-0.5, 0.5)
// cells.
func (f *Fuzzer) offset(row, col int64) (float64, float64) {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(row))
	binary.BigEndian.PutUint64(b[8:], uint64(col))
	m := f.secret.mac("envtrace-fuzz-v1", b[:])
	u := func(x []byte) float64 { return float64(binary.BigEndian.Uint64(x)>>11)/(1<<53) - 0.5 }
	return u(m[:8]), u(m[8:16])
}
