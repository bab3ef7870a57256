package ogc

import (
	"fmt"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/odour"
)

// CollectionPetitions is the public odour-petition layer.
const CollectionPetitions = "petitions"

// PublicLocation shifts a private location (lon/lat) to the public one; it
// must be stable per location (the petition desk's keyed shift).
type PublicLocation func(lon, lat float64) (float64, float64, error)

// WithPetitions adds the petitions collection: every petition at its
// public location (fuzz), with its time, category, intensity and hedonic
// tone, never its exact location, text or contact. Without fuzz the
// collection is not served.
func WithPetitions(ps []odour.Petition, fuzz PublicLocation) SourceOption {
	return func(o *sourceOptions) { o.petitions, o.fuzz = ps, fuzz }
}

// petitionCollection builds the public petition layer.
func petitionCollection(ps []odour.Petition, fuzz PublicLocation) (*memCollection, error) {
	mc := newPointCollection(Collection{
		ID:    CollectionPetitions,
		Title: "Odour petitions (public locations)",
		Description: "Odour petitions (公害陳情) at their public locations: each exact location shifted within a box of at most 0.1 mile " +
			"per axis, the same for the same location. datetime filters on the time the odour was smelt; category selects by equality.",
		HasTime: true,
		Filters: []Filter{{Name: "category", Description: "Only this odour category (group or group/type, e.g. industrial/sulphur)."}},
	})
	names := map[string]odour.TaxonomyEntry{}
	for _, e := range odour.Taxonomy() {
		names[e.Category] = e
	}
	for _, p := range ps {
		lon, lat, err := fuzz(p.Lon, p.Lat)
		if err != nil {
			return nil, fmt.Errorf("ogc: petition %s: %w", p.ID, err)
		}
		tx := names[p.Category.String()]
		props := map[string]any{
			"petition_id": p.ID, "time": p.Time.Format(time.RFC3339), "category": p.Category.String(),
			"category_name": nilIfEmpty(tx.Name), "category_name_zh": nilIfEmpty(tx.NameZH),
			"intensity": p.Intensity, "hedonic": nil, "traceable": p.Traceable(),
		}
		if p.Hedonic != nil {
			props["hedonic"] = *p.Hedonic
		}
		mc.addFeature(Feature{ID: p.ID, Geometry: point(model.FromLonLat(lon, lat)), Properties: props}, p.Time)
		mc.extendTime(p.Time)
	}
	mc.finish()
	return mc, nil
}
