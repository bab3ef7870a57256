// Package dumping follows illegal-dumping reports on public land from
// intake to closure. The centre's contact platform routes each report to
// the agency that manages the land it lies on, so that every manager
// answers for its own territory (Waste Disposal Act 廢清法 §71: a manager's
// patrols and measures are evidence in its favour), and keeps the report's
// whole history: who it was routed to and why, every state change, the
// agency's replies, the service-level clock, duplicates and repeat sites.
//
// # Land
//
// Land holds the three inputs of routing, read from a data directory
// (ReadLand) or imported into PostGIS: the agency directory
// (agencies.csv), the parcels or management areas with their manager
// (parcels.geojson, or any GIS file with a named manager field, see
// ParcelsFromLayer) and the townships and districts that decide the
// fallback (jurisdictions.geojson). Coordinates are converted once, where
// they enter, to TWD97 / TM2 zone 121 (EPSG:3826) metres.
//
// # Routing rules
//
// Route applies, in order (docs/dumping.md states them for users):
//
//  1. Parcels: every parcel containing the point, or whose boundary lies
//     within Router.BoundaryM (default 5 m) of it, is a candidate, ranked by
//     distance (0 inside). The nearest containing parcel decides. Several
//     candidates make the answer Ambiguous: the engine names them all and
//     the first one is asked first.
//  2. The parcel's manager value resolves to an agency: an agency id, or a
//     value the agency lists in its manages column (an industrial park's
//     TYPE), or a role resolved through the point's jurisdiction: county
//     (the county or city government), township (the township or district
//     office) or private.
//  3. Private land is still a case (the Act binds private owners too): it
//     goes to the jurisdiction's environmental bureau, with the owner kept.
//  4. Outside every parcel the jurisdiction decides: in a county the
//     township office (its cleaning squad), in a special municipality such
//     as Taichung, whose district offices run no cleaning squads, the
//     city's environmental bureau.
//  5. Outside every jurisdiction, or when a role cannot be resolved, the
//     centre takes the report and routes it by hand.
//
// # Lifecycle
//
// A report moves through received → assigned → investigating → clean-up
// scheduled → cleaned → closed, may be referred (the agency answered "not
// responsible", with a reason and the owner it suggests) or marked a
// duplicate of an earlier report. Every transition is checked against the
// table in state.go, recorded in the report's history and in the audit
// trail, and may enqueue notifications in the same transaction
// (casework/outbox), so a crash can lose none of them. Each agency has a
// service level per state; a report past its due time is overdue, and Desk.
// Escalate hands overdue reports to the centre.
package dumping
