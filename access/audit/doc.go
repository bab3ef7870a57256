// Package audit is the trail that would stand in court: every trace, case
// view, export, view of personal data, write and denied request becomes an
// Entry, and each stored entry carries an HMAC, under a key kept outside the
// database, over its content and the previous entry's HMAC. Editing,
// deleting or reordering a stored entry then breaks the chain at that
// entry; truncating the tail, or rebuilding the chain after a deletion, is
// caught by comparing with checkpoints (the latest sequence number and
// HMAC) exported outside the database.
//
// The package is storage-free: it defines the Entry and Recorder seam the
// middleware writes to, the chain arithmetic (MAC, Verifier), key loading
// and the checkpoint file. store.AuditRecorder is the PostGIS recorder.
package audit
