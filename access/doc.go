// Package access decides who may do what in envtrace.
//
// A request is made by a Principal: a role (admin, officer, investigator,
// land_agency, facility, ngo, public, sensor) and the Scope that role is
// limited to (a county, an agency, a facility, shared cases, stations).
// Scopes are data carried by the principal (from an API token's row or an
// OIDC token's claims), never code.
//
// One table, Policy, maps role × action × resource to a Decision. The
// HTTP layer names the action and resource of every route and asks
// Decide; routes without an entry are refused at start-up. Where the
// decision depends on the object (facility A never reads facility B; an
// officer reads only their own county; an investigator reads only the
// cases shared with them; a land agency only its routed reports), the
// decision is Scoped and the handler calls the object-level check of this
// package (FacilityView, CanReadCase, CanWriteStation, DumpingAgency)
// with the object it loaded.
//
// Authentication lives here too: API tokens (hashed, with expiry and
// revocation, stored by package store) and OpenID Connect bearer JWTs
// (verified with coreos/go-oidc against an issuer, audience and JWKS).
package access
