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
	// Measure runs 0–100 from the reach's downstream end, as NHDPlus
	// measures do.
	Measure float64
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
	}
	return out, nil
}
