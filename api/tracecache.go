package api

import (
	"bytes"
	"crypto/sha256"
	"math"
	"net/http"
	"strconv"

	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"
	"github.com/maypok86/otter/v2"

	"github.com/envtrace/envtrace/access"
)

// traceCache keeps rendered trace answers. A trace is a function of the
// request, the backend's data version (TraceVersioner) and what the
// caller may see (access.ViewKey), and the same traces are asked again
// and again: a station's alarm opened by every officer on duty, a map
// redrawn. A hit skips the engine, the JSON, the compression and the
// audit's hashing of the body, which are nearly all of a trace's cost
// (docs/performance.md); the audit entry is still written for every
// request. Entries of an older version are never looked up again and
// are evicted first as the cache fills (otter's S3-FIFO, bounded by the
// bytes held).
type traceCache struct {
	c        *otter.Cache[traceKey, *cachedTrace]
	level    int
	maxEntry int
}

// traceKey is what a trace answer depends on. Floats are kept as bits,
// so that -0 and 0 (which print differently) stay apart; the time keeps
// its zone, in which the answer's times are written.
type traceKey struct {
	version                  uint64
	view                     string
	station, parameter, unit string
	value, flow, maxHours    uint64
	unixNano                 int64
	zone                     string
	offset                   int
}

// cachedTrace is one rendered answer: the JSON, its gzip encoding at the
// server's level, and the SHA-256 of the JSON for the audit record.
type cachedTrace struct {
	plain, gz []byte
	sum       [sha256.Size]byte
}

// newTraceCache holds up to maxBytes of answers; nil (no cache) when
// maxBytes is not above 0.
// An answer larger than a sixty-fourth of the whole is not kept, so one
// huge trace cannot push out hundreds of ordinary ones.
func newTraceCache(maxBytes int64, level int) (*traceCache, error) {
	if maxBytes <= 0 {
		return nil, nil
	}
	c, err := otter.New(&otter.Options[traceKey, *cachedTrace]{
		MaximumWeight: uint64(maxBytes),
		Weigher: func(_ traceKey, v *cachedTrace) uint32 {
			return uint32(len(v.plain) + len(v.gz) + 256)
		},
	})
	if err != nil {
		return nil, err
	}
	return &traceCache{c: c, level: level, maxEntry: int(min(maxBytes/64, math.MaxUint32/2))}, nil
}

// traceKey is the cache key of req for the caller of c, false when the
// server keeps no answers or the backend keeps no data version.
func (h *tracingHandlers) traceKey(c echo.Context, req TraceRequest) (traceKey, bool) {
	v, ok := h.b.(TraceVersioner)
	if !ok || h.s.traces == nil {
		return traceKey{}, false
	}
	zone, offset := req.Time.Zone()
	return traceKey{
		version: v.TraceVersion(), view: access.ViewKey(principal(c)),
		station: req.Station, parameter: req.Parameter, unit: req.Unit,
		value: math.Float64bits(req.Value), flow: math.Float64bits(req.FlowM3s), maxHours: math.Float64bits(req.MaxHours),
		unixNano: req.Time.UnixNano(), zone: zone, offset: offset,
	}, true
}

// get returns the answer kept under k.
func (t *traceCache) get(k traceKey) (*cachedTrace, bool) {
	return t.c.GetIfPresent(k)
}

// put keeps a copy of the answer body under k, with its gzip encoding
// and digest.
func (t *traceCache) put(k traceKey, body []byte) {
	if len(body) > t.maxEntry {
		return
	}
	e := &cachedTrace{plain: bytes.Clone(body), sum: sha256.Sum256(body)}
	var zb bytes.Buffer
	zw, err := gzip.NewWriterLevel(&zb, t.level)
	if err != nil {
		return // the level is checked by Config.validate
	}
	if _, err := zw.Write(body); err != nil || zw.Close() != nil {
		return
	}
	e.gz = zb.Bytes()
	t.c.Set(k, e)
}

// send writes a kept answer as the uncached path would: the same JSON,
// gzip-encoded when the gzip middleware would have compressed it, and the
// audit's result digest the same as the plain body's.
func (e *cachedTrace) send(c echo.Context) error {
	res := c.Response()
	w := res.Writer
	if hw, ok := w.(*hashingWriter); ok {
		hw.known = e.sum[:]
		w = hw.ResponseWriter
	}
	body := e.plain
	if _, ok := w.(*gzipWriter); ok {
		res.Header().Set(echo.HeaderContentEncoding, "gzip")
		body = e.gz
	}
	// With its length the answer goes out in one piece, not chunked: two
	// writes to the socket instead of three.
	res.Header().Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
}
