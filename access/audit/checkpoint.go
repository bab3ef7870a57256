package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// Checkpoint is the head of the chain at one moment: exported outside the
// database, it lets a verifier notice a truncated tail or a chain rebuilt
// from scratch.
type Checkpoint struct {
	Seq  int64     `json:"seq"`
	MAC  []byte    `json:"-"`
	Time time.Time `json:"time"`
}

// checkpointJSON is a checkpoint line: the MAC in hex, readable by people
// comparing a printed checkpoint with the log.
type checkpointJSON struct {
	Seq  int64     `json:"seq"`
	MAC  string    `json:"hmac"`
	Time time.Time `json:"time"`
}

// MarshalJSON writes {"seq", "hmac", "time"} with the MAC in hex.
func (c Checkpoint) MarshalJSON() ([]byte, error) {
	return json.Marshal(checkpointJSON{Seq: c.Seq, MAC: hex.EncodeToString(c.MAC), Time: c.Time})
}

// UnmarshalJSON reads what MarshalJSON writes, refusing a non-positive
// sequence number or a MAC that is not 32 bytes of hex.
func (c *Checkpoint) UnmarshalJSON(b []byte) error {
	var j checkpointJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	mac, err := hex.DecodeString(j.MAC)
	if err != nil {
		return fmt.Errorf("hmac: %w", err)
	}
	if len(mac) != 32 {
		return fmt.Errorf("hmac has %d bytes, want 32", len(mac))
	}
	if j.Seq <= 0 {
		return fmt.Errorf("seq %d: want a positive row number", j.Seq)
	}
	*c = Checkpoint{Seq: j.Seq, MAC: mac, Time: j.Time}
	return nil
}

// maxCheckpointLine bounds one line of a checkpoint file.
const maxCheckpointLine = 4096

// ParseCheckpoints reads a checkpoint file: one JSON checkpoint a line,
// blank lines skipped. An error names the line.
func ParseCheckpoints(r io.Reader) ([]Checkpoint, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxCheckpointLine)
	var out []Checkpoint
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var c Checkpoint
		if err := json.Unmarshal(line, &c); err != nil {
			return nil, fmt.Errorf("checkpoint line %d: %w", n, err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("checkpoint file: %w", err)
	}
	return out, nil
}

// ReadCheckpoints parses the checkpoint file at path.
func ReadCheckpoints(path string) ([]Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint file: %w", err)
	}
	defer f.Close()
	cs, err := ParseCheckpoints(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cs, nil
}

// AppendCheckpoint appends c as one line to the file at path and syncs it,
// so that an acknowledged checkpoint survives a crash.
func AppendCheckpoint(path string, c Checkpoint) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("checkpoint file: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		_ = f.Close()
		return fmt.Errorf("checkpoint file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("checkpoint file %s: %w", path, err)
	}
	return f.Close()
}

// PostCheckpoint sends c as JSON to a webhook, for a checkpoint store the
// database's operators cannot write.
func PostCheckpoint(ctx context.Context, client *http.Client, url string, c Checkpoint) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("checkpoint webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("checkpoint webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("checkpoint webhook %s answered %s", url, resp.Status)
	}
	return nil
}

// Exporter exports the chain's head every Every to File and, when set, to
// URL, skipping a head already exported.
type Exporter struct {
	Head   func(context.Context) (Checkpoint, error) // the chain's current head
	File   string
	URL    string
	Client *http.Client
	Every  time.Duration
	last   int64
}

// ExportOnce exports the current head unless it is empty or was exported
// last time. It returns the head and whether it exported it.
func (x *Exporter) ExportOnce(ctx context.Context) (Checkpoint, bool, error) {
	if x.File == "" && x.URL == "" {
		return Checkpoint{}, false, errors.New("audit checkpoints: neither a file nor a webhook is configured")
	}
	c, err := x.Head(ctx)
	if err != nil {
		return c, false, err
	}
	if c.Seq == 0 || c.Seq == x.last {
		return c, false, nil
	}
	if x.File != "" {
		if err := AppendCheckpoint(x.File, c); err != nil {
			return c, false, err
		}
	}
	if x.URL != "" {
		client := x.Client
		if client == nil {
			client = &http.Client{Timeout: 10 * time.Second}
		}
		if err := PostCheckpoint(ctx, client, x.URL, c); err != nil {
			return c, false, err
		}
	}
	x.last = c.Seq
	return c, true, nil
}

// Run exports until ctx ends, reporting each failure to onErr (a failed
// export is retried at the next tick; it must not stop the server).
func (x *Exporter) Run(ctx context.Context, onErr func(error)) {
	t := time.NewTicker(x.Every)
	defer t.Stop()
	for {
		if _, _, err := x.ExportOnce(ctx); err != nil && ctx.Err() == nil && onErr != nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
