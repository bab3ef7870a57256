package hydro

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/spatial"
)

// Snap is one candidate reach for a point (a station or an outfall).
type Snap struct {
	Reach int32
	// Measure runs 0–100 from the reach's downstream end, along this
	// reach only. NHDPlus measures run along a whole reach code, of which
	// a flowline covers [FROMMEAS, TOMEAS]; ReachCodeMeasure is that one.
	Measure float64
	// ReachCode and ReachCodeMeasure are the NHD reach code and the
	// measure on it (Network.ReachCodeMeasure), set only when the source
	// gave REACHCODE, FROMMEAS and TOMEAS; ReachCode is "" otherwise.
	ReachCode        string
	ReachCodeMeasure float64
	// OffsetM is the distance from the point to the reach in metres.
	OffsetM float64
	// StreamOrder lets a caller see that the nearest reach is a small
	// tributary beside a river rather than the river itself.
	StreamOrder int
	// Point is the snapped position on the reach.
	Point orb.Point
}

// ErrNoGeometry is returned when snapping on a network built without reach
// geometry.
var ErrNoGeometry = errors.New("network has no reach geometry to snap to")

type snapIndex struct {
	once sync.Once
	ix   *spatial.LineIndex
}

// SnapPoint returns the k reaches nearest to p (in the network's own
// coordinates), nearest first, within maxM metres (0 = any distance). The
// spatial index is built on first use.
func (n *Network) SnapPoint(p orb.Point, k int, maxM float64) ([]Snap, error) {
	if n.geom == nil {
		return nil, ErrNoGeometry
	}
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
		return nil, fmt.Errorf("snap: point %v is not finite", p)
	}
	if k < 1 {
		k = 1
	}
	n.snap.once.Do(func() {
		n.snap.ix = spatial.NewLineIndex(n.geom, n.Geographic)
	})
	hits := n.snap.ix.Nearest(p, k, maxM)
	out := make([]Snap, len(hits))
	for i, h := range hits {
		r := int32(h.Item)
		out[i] = Snap{Reach: r, Measure: h.Measure, OffsetM: h.OffsetM, StreamOrder: int(n.order[r]), Point: h.Point}
		out[i].ReachCode, out[i].ReachCodeMeasure, _ = n.ReachCodeMeasure(r, h.Measure)
	}
	return out, nil
}

// reachCode is the NHD reach code a reach lies on and the measures it
// covers on it, from its downstream end (from) to its upstream end (to).
type reachCode struct {
	code     string
	from, to float64
}

// reachCodeOf reads a record's reach code and measures; "" unless all
// three are present and the measures are an interval of 0–100.
func reachCodeOf(r row, codeCol, fromCol, toCol int) (string, float64, float64) {
	code := r.text(codeCol)
	from, okF := r.number(fromCol)
	to, okT := r.number(toCol)
	if code == "" || !okF || !okT || from < 0 || to > 100 || from > to {
		return "", Missing, Missing
	}
	return code, from, to
}

// reachCodes copies the input records' reach codes to their network
// positions (inv: see builder.attributes); nil when no record has one.
func reachCodes(in *reachCols, inv []int32) []reachCode {
	var out []reachCode
	for i := range in.n {
		c := optAt(in.codes, i, noCode)
		if c.code == "" {
			continue
		}
		if out == nil {
			out = make([]reachCode, in.n)
		}
		out[at(inv, i)] = c
	}
	return out
}

// ReachCodeMeasure converts a measure along reach i (0–100 from its
// downstream end, Snap.Measure) to the NHDPlus measure on the reach code
// the reach lies on: FromMeas + measure/100 · (ToMeas − FromMeas). ok is
// false when the network's source gave no REACHCODE, FROMMEAS and TOMEAS
// for the reach; the measure along the reach is then all there is.
func (n *Network) ReachCodeMeasure(i int32, measure float64) (code string, m float64, ok bool) {
	if n.codes == nil || n.codes[i].code == "" {
		return "", 0, false
	}
	c := n.codes[i]
	return c.code, c.from + measure/100*(c.to-c.from), true
}
