package api

import (
	"bufio"
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// streamWriter writes a response whose size is not known in advance (a
// navigation result) without holding it: output goes through a bounded
// buffer that is pushed to the client on the first item, whenever it fills,
// and once FlushInterval has passed since the last push. The clock is read
// once every clockEvery items, not per item: at a few nanoseconds a reach,
// a clock read per line would cost more than the line. Until the first
// push nothing is committed, so an error found before the first item still
// becomes a proper problem document.
type streamWriter struct {
	res      *echo.Response
	w        *bufio.Writer
	enc      *json.Encoder
	interval time.Duration
	last     time.Time
	pushed   bool
	items    int
	// nextCheck is the item count at which the clock is read next.
	nextCheck int
}

// clockEvery is how many items pass between two reads of the clock.
const clockEvery = 1 << 10

func newStreamWriter(c echo.Context, contentType string, size int, interval time.Duration) *streamWriter {
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, contentType)
	// Results can be large and are computed per request; intermediaries
	// must not try to buffer them either.
	res.Header().Set("X-Accel-Buffering", "no")
	w := bufio.NewWriterSize(res, size)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &streamWriter{res: res, w: w, enc: enc, interval: interval}
}

// raw appends literal bytes.
func (s *streamWriter) raw(b string) { _, _ = s.w.WriteString(b) }

// item appends one JSON value, preceded by a comma after the first, and
// pushes output to the client when it is time. It returns false once
// writing has failed (the client is gone), so the producer can stop.
func (s *streamWriter) item(v any) bool {
	if s.items > 0 {
		_ = s.w.WriteByte(',')
	}
	s.items++
	if err := s.enc.Encode(v); err != nil {
		return false
	}
	s.maybePush()
	return s.err() == nil
}

// lines appends count complete lines of text (format=ids), already
// rendered with their newlines.
func (s *streamWriter) lines(text []byte, count int) bool {
	s.items += count
	// Through the buffer in buffer-sized pieces, pushing each full buffer,
	// so that no single write to the client exceeds the configured buffer
	// and the client sees progress however large the run.
	for len(text) > 0 {
		if s.w.Available() == 0 {
			s.push()
		}
		k := min(len(text), s.w.Available())
		if _, err := s.w.Write(text[:k]); err != nil {
			return false
		}
		text = text[k:]
	}
	s.maybePush()
	return true
}

// maybePush pushes on the first item and, once FlushInterval has passed,
// when the clock is next read.
func (s *streamWriter) maybePush() {
	if !s.pushed {
		s.push()
		return
	}
	if s.items < s.nextCheck {
		return
	}
	s.nextCheck = s.items + clockEvery
	if time.Since(s.last) >= s.interval {
		s.push()
	}
}

// push sends what is buffered to the client now.
func (s *streamWriter) push() {
	s.pushed = true
	s.last = time.Now()
	if s.w.Flush() == nil {
		// A failed flush shows up as a write error on the next item.
		_ = http.NewResponseController(s.res.Writer).Flush()
	}
}

// err is the first write error, nil while the client is reading.
func (s *streamWriter) err() error {
	// bufio.Writer keeps its first error; a zero-length write reports it.
	_, err := s.w.Write(nil)
	return err
}

// committed reports whether any byte may have reached the client, after
// which the response can no longer be replaced by a problem document.
func (s *streamWriter) committed() bool { return s.res.Committed }

// finish writes the buffered tail.
func (s *streamWriter) finish() error { return s.w.Flush() }
