// Package postgis is envtrace's low-level PostgreSQL/PostGIS plumbing: it
// opens connection pools that cannot hang a caller, moves orb geometries in
// and out of the database as (E)WKB, and checks at startup that a database
// has the extensions, tables and indexes a program needs.
//
// It knows nothing about envtrace's schema; package store owns that and
// passes its own Requirements to Check.
//
// # Why every connection has a statement timeout
//
// A server that answers enforcement queries must fail a request rather than
// wait forever behind a lock or a runaway plan, because a hung request
// holds a pooled connection and enough of them stall every other request.
// Open therefore sets statement_timeout (and idle_in_transaction_session_
// timeout, so that a crashed client cannot hold locks) in the startup
// packet of every connection, bounds connection attempts with a connect
// timeout, and health-checks pooled connections before handing them out, so
// that a pool whose backends were terminated (failover, restart,
// pg_terminate_backend) recovers by itself instead of failing once per
// stale connection.
package postgis
