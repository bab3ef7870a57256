package api

import (
	"github.com/envtrace/envtrace/access"
)

// perm is shorthand for the route table.
func perm(a access.Action, r access.Resource) access.Permission {
	return access.Permission{Action: a, Resource: r}
}

var (
	publicRead   = perm(access.Read, access.PublicData)
	facilityRead = perm(access.Read, access.FacilityRecord)
	analysis     = perm(access.Trace, access.Analysis)
	readingWrite = perm(access.Write, access.Readings)
	reportRead   = perm(access.Read, access.DumpingReport)
	reportWrite  = perm(access.Write, access.DumpingReport)
	deskRead     = perm(access.Read, access.DumpingDesk)
	deskWrite    = perm(access.Write, access.DumpingDesk)
)

// routePolicies names the permission of every route, by "METHOD path"
// as echo registers it. New refuses a server with a route missing here,
// so a new endpoint cannot ship without a policy. What each role may do
// with a permission is access.Policy; object-level checks are in the
// handlers.
var routePolicies = map[string]access.Permission{
	"GET /readyz":                 publicRead, // a load balancer's readiness probe, like healthz
	"GET /healthz":                publicRead,
	"GET /metrics":                perm(access.Read, access.Metrics),
	"GET /openapi.json":           publicRead,
	"GET /":                       publicRead,
	"GET /webmap/*":               publicRead,
	"GET /api/v1/network":         publicRead,
	"GET /api/v1/network.geojson": publicRead,
	"GET /api/v1/reaches/:id":     publicRead,
	"GET /api/v1/navigate":        publicRead,
	"GET /api/v1/snap":            publicRead,
	// The basin summary lists the dischargers upstream: as a trace does,
	// it names facilities a facility's own login may not list.
	"GET /api/v1/basin":                   analysis,
	"GET /api/v1/stations":                publicRead,
	"GET /api/v1/stations/:id":            publicRead,
	"GET /api/v1/stations/:id/readings":   publicRead,
	"GET /api/v1/stations/:id/rpi":        publicRead,
	"GET /api/v1/scenarios":               publicRead,
	"GET /api/v1/facilities":              publicRead, // the public register; a facility sees only itself
	"GET /api/v1/facilities/:id":          facilityRead,
	"GET /api/v1/facilities/:id/checks":   facilityRead,
	"GET /api/v1/facilities/:id/effluent": facilityRead,
	"GET /api/v1/permits/:id":             facilityRead,
	"GET /api/v1/checks/permits":          facilityRead,
	"GET /api/v1/checks/air-permits":      facilityRead,
	"GET /api/v1/trace":                   analysis,
	"POST /api/v1/trace":                  analysis,
	"GET /api/v1/balance":                 analysis,
	"GET /api/v1/odour/rank":              analysis,
	"GET /api/v1/odour/trace":             analysis,
	"GET /api/v1/air/cpf":                 analysis,
	"GET /api/v1/air/anomalies":           analysis,
	"GET /api/v1/air/attribution":         analysis,
	"GET /api/v1/air/risk":                analysis,
	"GET /api/v1/air/calibration":         analysis,
	"GET /api/v1/farmland/impact":         analysis,
	"GET /api/v1/farmland/accumulation":   analysis,
	"GET /api/v1/farmland/alerts":         analysis,
	"POST /api/v1/farmland/alerts":        perm(access.Write, access.Analysis),
	// The ranking, plans and records hold suspicion that could tip off an
	// unannounced inspection; the portal is the caller's own facility.
	"GET /api/v1/inspect/rank":    analysis,
	"GET /api/v1/inspect/plan":    analysis,
	"GET /api/v1/inspections":     analysis,
	"GET /api/v1/inspections/:id": analysis,
	"POST /api/v1/inspections":    perm(access.Write, access.Analysis),
	"GET /api/v1/portal":          perm(access.Read, access.FacilityRecord),
	// A facility submits about itself; its county's bureau decides
	// (write facility_record), never the facility.
	"POST /api/v1/portal/self-reports":              perm(access.Write, access.SelfReport),
	"GET /api/v1/portal/self-reports":               facilityRead,
	"GET /api/v1/portal/self-reports/:id":           facilityRead,
	"POST /api/v1/portal/self-reports/:id/decision": perm(access.Write, access.FacilityRecord),
	"GET /api/v1/hotspots":                          analysis,
	"POST /api/v1/readings":                         readingWrite,
	"POST /api/v1/air/readings":                     readingWrite,
	// A facility its own stacks, an officer their county's facilities
	// (facilityView on every record's facility).
	"POST /api/v1/air/cems":        perm(access.Write, access.CEMSRecord),
	"GET /api/v1/audit":            perm(access.Read, access.AuditLog),
	"POST /api/v1/cases":           perm(access.Write, access.Case),
	"GET /api/v1/cases":            perm(access.Read, access.Case),
	"GET /api/v1/cases/:id":        perm(access.Read, access.Case),
	"GET /api/v1/cases/:id/report": perm(access.Export, access.Case),
	"GET /api/v1/cases/:id/export": perm(access.Export, access.Case),
	// Changing a case is its editors' (access.CanEditCase); a group
	// reports into a case shared with it (access.CanReportToCase).
	"POST /api/v1/cases/:id/items":     perm(access.Write, access.Case),
	"POST /api/v1/cases/:id/shares":    perm(access.Write, access.Case),
	"POST /api/v1/cases/:id/reports":   perm(access.Write, access.CaseReport),
	"POST /api/v1/cases/:id/referrals": perm(access.Write, access.Case),

	"GET /api/v1/dumping/route":                    publicRead,
	"GET /api/v1/dumping/services":                 publicRead,
	"GET /api/v1/dumping/agencies":                 publicRead,
	"POST /api/v1/dumping/reports":                 reportWrite,
	"GET /api/v1/dumping/reports":                  reportRead,
	"GET /api/v1/dumping/reports/:id":              reportRead,
	"POST /api/v1/dumping/reports/:id/transitions": deskWrite,
	"POST /api/v1/dumping/reports/:id/replies":     deskWrite,
	"POST /api/v1/dumping/reports/:id/photos":      reportWrite,
	"GET /api/v1/dumping/reports/:id/audit":        reportRead,
	"GET /api/v1/dumping/reports/:id/contact":      perm(access.Read, access.DumpingContact),
	"GET /api/v1/dumping/photos/:id":               publicRead,
	"GET /api/v1/dumping/public/reports":           publicRead,
	"GET /api/v1/dumping/public/reports/:id":       publicRead,
	"GET /api/v1/dumping/dashboard":                deskRead,
	"GET /api/v1/dumping/sites":                    deskRead,
	"POST /api/v1/dumping/sites/:id/measures":      deskWrite,
	"GET /api/v1/dumping/patrols":                  deskRead,
	"POST /api/v1/dumping/patrols":                 deskWrite,
	"GET /open311/v2/services.json":                publicRead,
	"GET /open311/v2/services.xml":                 publicRead,
	"GET /open311/v2/services/:file":               publicRead,
	"GET /open311/v2/requests.json":                publicRead,
	"GET /open311/v2/requests.xml":                 publicRead,
	"GET /open311/v2/requests/:file":               publicRead,
	"POST /open311/v2/requests.json":               reportWrite,
	"POST /open311/v2/requests.xml":                reportWrite,

	// Odour petitions: the desk answers each caller with the view its
	// principal may see (petitionViewer).
	"POST /api/v1/odour/petitions":            perm(access.Write, access.Petition),
	"GET /api/v1/odour/petitions":             perm(access.Read, access.Petition),
	"GET /api/v1/odour/petitions/:id":         perm(access.Read, access.Petition),
	"GET /api/v1/odour/petitions/:id/contact": perm(access.Read, access.PetitionContact),

	// OGC API – Features: every collection has its own policy
	// (collectionPolicies), which ogcGuard applies; the routes themselves
	// are open, and /ogc/collections lists what the caller may read.
	"GET /ogc":                                 publicRead,
	"GET /ogc/":                                publicRead,
	"GET /ogc/api":                             publicRead,
	"GET /ogc/conformance":                     publicRead,
	"GET /ogc/collections":                     publicRead,
	"GET /ogc/collections/:collectionId":       publicRead,
	"GET /ogc/collections/:collectionId/items": publicRead,
	"GET /ogc/collections/:collectionId/items/:featureId": publicRead,
}

// auditedResources are audited on every request ("every trace, case view
// and export, every view of personal data"); writes and denials are
// audited whatever the resource.
var auditedResources = map[access.Resource]bool{
	access.Analysis: true, access.Case: true, access.DumpingReport: true,
	access.DumpingContact: true, access.FacilityRecord: true, access.AuditLog: true,
	access.Petition: true, access.PetitionContact: true, access.CaseReport: true,
	access.SelfReport: true, access.CEMSRecord: true,
}

// audited says whether a request with permission p and decision allowed
// writes an audit record.
func audited(p access.Permission, allowed bool) bool {
	return !allowed || p.Action != access.Read || auditedResources[p.Resource]
}
