package layer

import "github.com/paulmach/orb"

// slabPoints is the size of one block of a pointSlab: 1 MiB of points.
const slabPoints = 1 << 16

// pointSlab keeps the points of the lines a streaming reader returns in
// large shared blocks, so that a network of millions of lines is a few
// hundred flat coordinate arrays instead of one allocation a line: no
// size-class rounding, no per-line allocation, and blocks the collector
// never scans (a point holds no pointer). A line never spans two blocks;
// the end of a block too short for the next line is left unused. A block
// stays in memory while any of its lines does: the readers that use it
// (the CSV scanner's WKT, the GeoJSON stream's LineStrings) serve callers
// that keep every line, a network reader or Read's layer.
type pointSlab struct{ block []orb.Point }

// line copies pts into the slab and returns them as a line of exactly
// their length and capacity (nil when pts is empty), so that appending to
// it cannot overwrite the next line.
func (s *pointSlab) line(pts []orb.Point) orb.LineString {
	if len(pts) == 0 {
		return nil
	}
	if len(pts) > cap(s.block)-len(s.block) {
		s.block = make([]orb.Point, 0, max(slabPoints, len(pts)))
	}
	at := len(s.block)
	s.block = append(s.block, pts...)
	return orb.LineString(s.block[at:len(s.block):len(s.block)])
}
