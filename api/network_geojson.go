package api

import (
	"fmt"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
)

// registerNetworkGeoJSON mounts GET /api/v1/network.geojson for backends
// that can list their reaches: a web map working offline, with no tile
// server, draws the rivers from it.
func (s *Server) registerNetworkGeoJSON(g *echo.Group, b ReachLister) {
	g.GET("/network.geojson", func(c echo.Context) error {
		if err := newQuery(c).err(); err != nil {
			return err
		}
		cfg := s.cfg
		sw := newStreamWriter(c, mediaGeoJSON, cfg.StreamBufferBytes, cfg.FlushInterval)
		sw.raw(`{"type":"FeatureCollection","features":[`)
		var buf []orb.Point
		err := b.Reaches(c.Request().Context(), func(hit NavigateHit) bool {
			var g *lineJSON
			g, buf = toLine(hit.Geometry, buf)
			return sw.item(reachLineFeature{Type: "Feature", ID: hit.ReachID, Geometry: g,
				Properties: reachLineProps{ID: hit.ReachID, Name: hit.Name, StreamOrder: hit.StreamOrder}})
		})
		if err == nil {
			err = sw.err()
		}
		if err != nil {
			if !sw.committed() {
				c.Response().Header().Del("X-Accel-Buffering")
			}
			return fmt.Errorf("network geojson: %w", err)
		}
		sw.raw(`],"numberReturned":` + strconv.Itoa(sw.items) + "}\n")
		return sw.finish()
	})
}

// reachLineFeature is one reach of GET /api/v1/network.geojson: only what a
// map styles by, to keep the whole network small.
type reachLineFeature struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Geometry   *lineJSON      `json:"geometry"`
	Properties reachLineProps `json:"properties"`
}

type reachLineProps struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	StreamOrder int    `json:"stream_order"`
}
