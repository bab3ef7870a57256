package outbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/smtp"
	"strings"
	"time"
)

// SMTP sends e-mail through a relay without authentication (the
// agencies' internal relay); net/smtp upgrades to TLS when the relay offers
// STARTTLS.
type SMTP struct {
	// Addr is host:port of the relay.
	Addr string
	// From is the envelope and header sender.
	From string
	// Domain is the right-hand side of Message-IDs (default
	// "envtrace.invalid").
	Domain string
}

// MessageID is the Message-ID header of m: the same on every attempt.
func (s SMTP) MessageID(m Message) string {
	d := s.Domain
	if d == "" {
		d = "envtrace.invalid"
	}
	return "<" + m.ID + "@" + d + ">"
}

// Send implements Sender.
func (s SMTP) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", s.From)
	hdr("To", m.To)
	hdr("Subject", mime.BEncoding.Encode("UTF-8", m.Subject))
	hdr("Message-ID", s.MessageID(m))
	hdr("Date", m.CreatedAt.Format(time.RFC1123Z))
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", `text/plain; charset="UTF-8"`)
	hdr("Content-Transfer-Encoding", "base64")
	if m.Topic != "" {
		hdr("X-Envtrace-Topic", m.Topic)
	}
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(m.Body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(s.Addr, nil, s.From, []string{m.To}, b.Bytes()) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// HTTPWebhook posts a message as JSON. A LINE Messaging API bot, or any
// chat relay, sits behind such a webhook: LINE Notify ended in 2025.
type HTTPWebhook struct {
	Client *http.Client
	// Secret, when set, signs the body: X-Envtrace-Signature is
	// "sha256=" + hex(HMAC-SHA256(Secret, body)).
	Secret string
}

// WebhookBody is what HTTPWebhook posts.
type WebhookBody struct {
	ID        string    `json:"id"`
	Topic     string    `json:"topic"`
	Ref       string    `json:"ref"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// Sign returns the signature header value of body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Send implements Sender: a 2xx answer is delivery, anything else a
// failure to retry.
func (h HTTPWebhook) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(WebhookBody{ID: m.ID, Topic: m.Topic, Ref: m.Ref, Subject: m.Subject, Text: m.Body, CreatedAt: m.CreatedAt})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.To, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", m.ID)
	if h.Secret != "" {
		req.Header.Set("X-Envtrace-Signature", Sign(h.Secret, body))
	}
	c := h.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %s answered %s: %s", m.To, res.Status, strings.TrimSpace(string(snippet)))
	}
	return nil
}
