package api

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"
)

// gzipMiddleware compresses answers for clients that accept gzip, as
// echo's Gzip middleware does (Vary on every answer, Content-Encoding set
// with the first byte of body, none for a bodiless answer, streams flushed
// through), with klauspost/compress's deflate: a trace answer of 34 KiB
// costs 2 to 6 times less CPU than with compress/gzip at the same level
// (BenchmarkGzipAnswer), and compression was the largest single cost of a
// trace request. skip leaves a route's answer alone, and an answer whose
// handler set Content-Encoding itself (a kept trace answer, compressed
// once) passes through as written.
func gzipMiddleware(level int, skip func(echo.Context) bool) echo.MiddlewareFunc {
	pool := sync.Pool{New: func() any {
		w, err := gzip.NewWriterLevel(io.Discard, level)
		if err != nil {
			panic(err) // the level is checked by Config.validate
		}
		return w
	}}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if skip(c) {
				return next(c)
			}
			res := c.Response()
			res.Header().Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
			if !strings.Contains(c.Request().Header.Get(echo.HeaderAcceptEncoding), "gzip") {
				return next(c)
			}
			zw := pool.Get().(*gzip.Writer)
			rw := res.Writer
			zw.Reset(rw)
			gw := &gzipWriter{ResponseWriter: rw, zw: zw}
			res.Writer = gw
			defer func() {
				switch {
				case gw.raw:
					// Written as encoded by the handler: no gzip trailer.
					zw.Reset(io.Discard)
				case !gw.wroteBody:
					// Nothing to compress: no gzip header and trailer.
					if res.Header().Get(echo.HeaderContentEncoding) == "gzip" {
						res.Header().Del(echo.HeaderContentEncoding)
					}
					if gw.code != 0 {
						rw.WriteHeader(gw.code)
					}
					zw.Reset(io.Discard)
				}
				res.Writer = rw
				_ = zw.Close()
				zw.Reset(io.Discard)
				pool.Put(zw)
			}()
			return next(c)
		}
	}
}

// gzipWriter holds the status back until the first byte of body, so that
// Content-Encoding goes out with the headers only when there is a body.
type gzipWriter struct {
	http.ResponseWriter
	zw        *gzip.Writer
	code      int
	wroteBody bool
	// raw passes the body through: the handler encoded it itself.
	raw bool
}

// WriteHeader records the status. The length changes with compression,
// so it goes, unless the handler encoded the body itself (a kept trace
// answer), whose length is that of the bytes it sends.
func (w *gzipWriter) WriteHeader(code int) {
	if w.Header().Get(echo.HeaderContentEncoding) == "" {
		w.Header().Del(echo.HeaderContentLength)
	}
	w.code = code
}

// Write compresses b, sending the headers first.
func (w *gzipWriter) Write(b []byte) (int, error) {
	if !w.wroteBody {
		w.start(b)
	}
	if w.raw {
		return w.ResponseWriter.Write(b)
	}
	return w.zw.Write(b)
}

func (w *gzipWriter) start(b []byte) {
	h := w.Header()
	if h.Get(echo.HeaderContentEncoding) != "" {
		w.wroteBody, w.raw = true, true
		if w.code != 0 {
			w.ResponseWriter.WriteHeader(w.code)
		}
		return
	}
	if h.Get(echo.HeaderContentType) == "" {
		h.Set(echo.HeaderContentType, http.DetectContentType(b))
	}
	w.wroteBody = true
	h.Set(echo.HeaderContentEncoding, "gzip")
	if w.code != 0 {
		w.ResponseWriter.WriteHeader(w.code)
	}
}

// Flush pushes what is compressed so far to the client (streamed answers).
func (w *gzipWriter) Flush() {
	if w.raw {
		_ = http.NewResponseController(w.ResponseWriter).Flush()
		return
	}
	if !w.wroteBody {
		w.wroteBody = true
		w.Header().Set(echo.HeaderContentEncoding, "gzip")
		if w.code != 0 {
			w.ResponseWriter.WriteHeader(w.code)
		}
	}
	_ = w.zw.Flush()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *gzipWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack passes a hijack through to the connection.
func (w *gzipWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}
