package odour

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"
)

// support is one petition supporting one facility.
type support struct {
	facility string
	at       time.Time
}

// repeat computes the repeat tiers over the tier window ending at `to`:
// per facility, the petitions that supported it (a vote of at least
// SupportVote); per receptor area, the traceable petitions from its grid
// square. It also returns every support found, for PriorPetitions.
func (e *Engine) repeat(ctx context.Context, to time.Time) (*Repeat, []support, error) {
	from := to.Add(-e.opt.TierWindow)
	rep := &Repeat{From: from, To: to, Thresholds: map[string]int{"A": e.opt.TierA, "B": e.opt.TierB, "C": e.opt.TierC},
		Facilities: []FacilityTier{}, Areas: []AreaTier{}}
	ps := e.window(from, to)
	var sup []support
	type tally struct {
		n    int
		days map[string]bool
	}
	count := func(m map[string]*tally, k string, t time.Time) {
		if m[k] == nil {
			m[k] = &tally{days: map[string]bool{}}
		}
		m[k].n++
		m[k].days[t.Format("2006-01-02")] = true
	}
	facs, areas := map[string]*tally{}, map[string]*tally{}
	centre := map[string][2]float64{}
	for _, p := range ps {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		for i := range e.sites {
			s := &e.sites[i]
			if math.Hypot(p.x-s.x, p.y-s.y) > e.opt.MaxRangeM {
				continue
			}
			m := MatchIndustry(p.Category, s.f.Industry)
			if m.Weight == 0 {
				continue
			}
			if v := e.couple(p, s.x, s.y).ratio * m.Weight * s.compliance.Multiplier; v >= e.opt.SupportVote {
				sup = append(sup, support{s.f.EmsNo, p.Time})
				count(facs, s.f.EmsNo, p.Time)
			}
		}
		ix, iy := int(math.Floor(p.x/e.opt.AreaCellM)), int(math.Floor(p.y/e.opt.AreaCellM))
		id := fmt.Sprintf("E%dN%d", ix, iy)
		centre[id] = [2]float64{(float64(ix) + 0.5) * e.opt.AreaCellM, (float64(iy) + 0.5) * e.opt.AreaCellM}
		count(areas, id, p.Time)
	}
	for id, t := range facs {
		if tier := e.tier(t.n); tier != "" {
			rep.Facilities = append(rep.Facilities, FacilityTier{FacilityID: id, Name: e.site(id).f.Name, Petitions: t.n, Days: len(t.days), Tier: tier})
		}
	}
	for id, t := range areas {
		if tier := e.tier(t.n); tier != "" {
			c := centre[id]
			lon, lat := e.grid.Inverse(c[0], c[1])
			rep.Areas = append(rep.Areas, AreaTier{AreaID: id, Lon: round(lon, 6), Lat: round(lat, 6), SizeM: e.opt.AreaCellM, Petitions: t.n, Days: len(t.days), Tier: tier})
		}
	}
	sort.Slice(rep.Facilities, func(i, j int) bool {
		a, b := rep.Facilities[i], rep.Facilities[j]
		return a.Petitions > b.Petitions || a.Petitions == b.Petitions && a.FacilityID < b.FacilityID
	})
	sort.Slice(rep.Areas, func(i, j int) bool {
		a, b := rep.Areas[i], rep.Areas[j]
		return a.Petitions > b.Petitions || a.Petitions == b.Petitions && a.AreaID < b.AreaID
	})
	return rep, sup, nil
}

// tier maps a petition count to A, B, C or "".
func (e *Engine) tier(n int) string {
	switch {
	case n >= e.opt.TierA:
		return "A"
	case n >= e.opt.TierB:
		return "B"
	case n >= e.opt.TierC:
		return "C"
	}
	return ""
}

// history fills each candidate's prior petitions (supports before `before`
// within the tier window) and tier.
func (e *Engine) history(res *Result, rep *Repeat, sup []support, before time.Time) {
	tiers := map[string]string{}
	for _, f := range rep.Facilities {
		tiers[f.FacilityID] = f.Tier
	}
	for i := range res.Candidates {
		c := &res.Candidates[i]
		c.Evidence.Tier = tiers[c.FacilityID]
		for _, s := range sup {
			if s.facility == c.FacilityID && s.at.Before(before) {
				c.Evidence.PriorPetitions++
			}
		}
	}
}
