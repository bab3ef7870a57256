package api

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/api/ogc"
	"github.com/envtrace/envtrace/tracing/hotspot"
	"github.com/envtrace/envtrace/tracing/signal"
)

// collectionPolicy is who may read one OGC collection. OGC clients (QGIS,
// GDAL) page whole layers, so a layer cannot be filtered per object the
// way the REST lists are: Whole asks for an Allow decision (the layer
// names objects a Scoped role may see only some of), otherwise Scoped
// suffices (the layer names no object a scope limits).
type collectionPolicy struct {
	Perm  access.Permission
	Whole bool
	// What the layer holds, for the refusal's message.
	What string
}

// allows says whether p may read the collection.
func (cp collectionPolicy) allows(p access.Principal) bool {
	d := access.Decide(p, cp.Perm)
	if cp.Whole {
		return d == access.Allow
	}
	return d != access.Deny
}

// collectionPolicies names the policy of every OGC collection, as
// routePolicies does for routes. New refuses a server whose source
// serves a collection missing here, and a collection that appears later
// without one is neither listed nor served (404), so a layer cannot ship
// without a policy. The public sees the network, monitoring and register
// layers, petitions at their public locations and the hot spots of the
// public signals (petitions at public locations, sensor readings) on
// hexagons of 500 m edge; layers built from facilities' records or exact petition
// locations are for staff.
var collectionPolicies = func() map[string]collectionPolicy {
	public := collectionPolicy{Perm: publicRead}
	m := map[string]collectionPolicy{
		ogc.CollectionReaches: public, ogc.CollectionStations: public, ogc.CollectionOutfalls: public,
		ogc.CollectionReadingsLatest: public, ogc.CollectionSensorAnomalies: public, ogc.CollectionPetitions: public,
		CollectionIntakes: public, CollectionIrrigatedArea: public,
		// Each facility's current permit and findings, every county's.
		ogc.CollectionFacilities: {Perm: facilityRead, Whole: true, What: "the permits and findings of every facility"},
		// Risk areas weigh facilities by industry over a screen of the
		// sensors; the surface is traced from exact petition locations.
		CollectionRiskAreas:    {Perm: analysis, What: "an analysis for staff"},
		CollectionOdourSurface: {Perm: analysis, What: "an analysis of exact petition locations, for staff"},
	}
	for _, method := range []string{hotspot.MethodGi, hotspot.MethodEHSA} {
		m[HotspotCollection(signal.NamePetitions, method)] = public
		m[HotspotCollection(signal.NameSensorExceedances, method)] = public
		// A hexagon holding one facility shows its permit violations.
		m[HotspotCollection(signal.NameViolations, method)] = collectionPolicy{Perm: facilityRead, Whole: true,
			What: "the permit violations of every facility"}
	}
	return m
}()

// checkCollections lists the collections of cols that have no policy.
func checkCollections(cols []ogc.Collection) error {
	var missing []string
	for _, c := range cols {
		if _, ok := collectionPolicies[c.ID]; !ok {
			missing = append(missing, c.ID)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("api: OGC collections without an authorisation policy (add them to collectionPolicies): %s", strings.Join(missing, ", "))
	}
	return nil
}

// ogcGuard applies the collection's policy to every request that names a
// collection (its page, items and features): the public is told 401 and
// other roles 403 for a collection they may not read, and reads of staff
// collections are audited as the routes of their permission are.
// Collections without a policy pass to the source, which does not serve
// them (policySource).
func (s *Server) ogcGuard(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		cp, ok := collectionPolicies[c.Param("collectionId")]
		if !ok {
			return next(c)
		}
		p := principal(c)
		if !cp.allows(p) {
			s.audit(c, p, cp.Perm, false, nil, nil)
			if p.Role == access.Public {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="envtrace"`)
			}
			return access.Denied(p, fmt.Sprintf("read the OGC collection %s (%s)", c.Param("collectionId"), cp.What))
		}
		if !audited(cp.Perm, true) {
			return next(c)
		}
		s.runAudited(c, next, p, cp.Perm)
		return nil
	}
}

// policySource serves only the collections the request's principal may
// read: /ogc/collections, the landing page and the API definition list
// those, and a collection without a policy is not found.
type policySource struct {
	ogc.Source
}

// collectionVisible says whether the principal of ctx may read collection
// id (which must have a policy).
func collectionVisible(ctx context.Context, id string) bool {
	cp, ok := collectionPolicies[id]
	return ok && cp.allows(access.FromContext(ctx))
}

// Collections implements ogc.Source.
func (ps policySource) Collections(ctx context.Context) ([]ogc.Collection, error) {
	cols, err := ps.Source.Collections(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(cols, func(c ogc.Collection) bool { return !collectionVisible(ctx, c.ID) }), nil
}

// Items implements ogc.Source.
func (ps policySource) Items(ctx context.Context, collection string, q ogc.Query, yield func(ogc.Feature) bool) (int, error) {
	if !collectionVisible(ctx, collection) {
		return 0, &ogc.NotFoundError{Kind: "collection", ID: collection}
	}
	return ps.Source.Items(ctx, collection, q, yield)
}

// Item implements ogc.Source.
func (ps policySource) Item(ctx context.Context, collection, id string) (ogc.Feature, error) {
	if !collectionVisible(ctx, collection) {
		return ogc.Feature{}, &ogc.NotFoundError{Kind: "collection", ID: collection}
	}
	return ps.Source.Item(ctx, collection, id)
}
