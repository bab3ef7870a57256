package privacy

import (
	"encoding/binary"
	"fmt"
	"math"
)

// FuzzBoxM is the half-width of the box a public location may move within
// on each axis: 0.1 mile (160.9344 m), Smell Pittsburgh's bound, as the
// issue documents. A fuzzed point lies within ±FuzzBoxM metres east-west
// and north-south of the true one, measured on the WGS84 ellipsoid.
const FuzzBoxM = 160.9344

// fuzzCellM is the largest side of the grid cells locations are keyed by.
// A point and its cell's published point both lie in the cell, so a cell
// of at most FuzzBoxM keeps every shift within the box; 0.1% less leaves
// room for the public views rounding coordinates to 10⁻⁶ degrees.
const fuzzCellM = 0.999 * FuzzBoxM

// The WGS84 ellipsoid: semi-major axis and first eccentricity squared.
const (
	wgs84A  = 6378137.0
	wgs84E2 = 6.69437999014e-3
)

// maxMetresPerDegreeLat is the longest degree of latitude on the
// ellipsoid (at the poles, a/√(1−e²)·π/180 = 111,694 m): rows of
// fuzzCellM/maxMetresPerDegreeLat degrees are at most fuzzCellM tall
// anywhere.
var maxMetresPerDegreeLat = wgs84A / math.Sqrt(1-wgs84E2) * math.Pi / 180

// metresPerDegreeLon is the length of a degree of longitude along the
// parallel at lat (degrees): N(φ)·cos φ·π/180.
func metresPerDegreeLon(lat float64) float64 {
	s, c := math.Sincos(lat * math.Pi / 180)
	return wgs84A / math.Sqrt(1-wgs84E2*s*s) * c * math.Pi / 180
}

// Fuzzer moves public locations. The shift is keyed by a secret and by the
// location itself, never by the record: every location in one grid cell
// (at most fuzzCellM on a side, on the ellipsoid) is published as the same
// point, a point of the cell drawn from the secret and the cell. Twenty
// complaints from one home therefore publish one point, and averaging them
// reveals nothing more than one of them; without the secret the point
// cannot be undone. As the true and the published point lie in one cell,
// the shift is under FuzzBoxM on each geographic axis, in Taiwan as in
// Pittsburgh (TestPublicShift). It is the one public shift of the
// platform: dumping reports and odour petitions both use it.
type Fuzzer struct{ secret Secret }

// NewFuzzer keys a fuzzer with secret.
func NewFuzzer(secret Secret) *Fuzzer { return &Fuzzer{secret: secret} }

// cell is a location's grid cell: its row and column, and its south-west
// corner and size in degrees. Rows are fixed in latitude; each row's
// columns are sized at the row's edge nearest the equator, where a degree
// of longitude is longest, so that no cell is wider than fuzzCellM.
type cell struct {
	row, col   int64
	lon0, lat0 float64
	dLon, dLat float64
}

func cellOf(lon, lat float64) cell {
	dLat := fuzzCellM / maxMetresPerDegreeLat
	row := math.Floor(lat / dLat)
	edge := row * dLat
	if edge < 0 {
		edge = math.Min(0, edge+dLat)
	}
	dLon := fuzzCellM / metresPerDegreeLon(edge)
	col := math.Floor(lon / dLon)
	return cell{row: int64(row), col: int64(col), lon0: col * dLon, lat0: row * dLat, dLon: dLon, dLat: dLat}
}

// Fuzz returns the public location of (lon, lat), WGS84 degrees. It fails
// on coordinates that are not finite or out of range rather than publish
// NaN.
func (f *Fuzzer) Fuzz(lon, lat float64) (float64, float64, error) {
	if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -89 || lat > 89 {
		return 0, 0, fmt.Errorf("privacy: cannot fuzz location (%v, %v): want longitude in [-180, 180] and latitude in [-89, 89]", lon, lat)
	}
	c := cellOf(lon, lat)
	ox, oy := f.offset(c.row, c.col)
	return c.lon0 + ox*c.dLon, c.lat0 + oy*c.dLat, nil
}

// offset is the cell's keyed published point, each axis uniform in
// [0, 1) cells from the south-west corner.
func (f *Fuzzer) offset(row, col int64) (float64, float64) {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(row))
	binary.BigEndian.PutUint64(b[8:], uint64(col))
	m := f.secret.mac("envtrace-fuzz-v2", b[:])
	u := func(x []byte) float64 { return float64(binary.BigEndian.Uint64(x)>>11) / (1 << 53) }
	return u(m[:8]), u(m[8:16])
}
