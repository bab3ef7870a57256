package access

import (
	"context"
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTokenCacheTTL is how long a TokenCache serves a token record it
// read from its store. It is the longest a revoked token keeps working
// on a server whose revocation listener is connected but missed the
// revocation (a change to the table that sent no notification); with the
// notification the revocation takes effect in milliseconds, and without a
// connected listener nothing is cached at all.
const DefaultTokenCacheTTL = 10 * time.Second

// DefaultTokenCacheSize bounds the records a TokenCache holds: more than
// the machine identities a deployment issues, small enough (a few hundred
// KiB) to need no tuning.
const DefaultTokenCacheSize = 4096

// TokenCache is a TokenStore that remembers, for a short time, the
// records its Store found, so that a server authenticating every request
// of a busy API client does not look the token up in PostgreSQL each
// time. It caches records, not decisions: Tokens.Authenticate applies
// revocation, expiry and validation to the cached record on every request,
// so the rule lives once and an expiry is exact. Unknown tokens and errors
// are not cached, so a token created on another replica works at once.
//
// Revocation reaches a cache through Revoked, which the server calls for
// every revocation announced on the database's notification channel
// (store.TokenRevocations). A cache serves from memory only while that
// channel is known to be live (Live(true)); when the listener loses its
// connection it calls Live(false), the cache empties and every lookup goes
// to the store until the listener is back.
type TokenCache struct {
	// Store is where records come from (store.Tokens).
	Store TokenStore
	// TTL is how long a record is served from memory (DefaultTokenCacheTTL
	// when 0).
	TTL time.Duration
	// Size bounds the records held (DefaultTokenCacheSize when 0).
	Size int
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	live atomic.Bool
	mu   sync.Mutex
	// gen counts flushes and revocations, so that a lookup that raced
	// with one does not store the record it read before it.
	gen     uint64
	entries map[[sha256.Size]byte]tokenEntry
}

type tokenEntry struct {
	rec     TokenRecord
	expires time.Time
}

// TokenByHash implements TokenStore: a fresh cached record, else the
// store's, remembered for TTL while the revocation channel is live.
func (c *TokenCache) TokenByHash(ctx context.Context, hash []byte) (TokenRecord, error) {
	if !c.live.Load() || len(hash) != sha256.Size {
		return c.Store.TokenByHash(ctx, hash)
	}
	key := [sha256.Size]byte(hash)
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[key]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.rec, nil
	}
	rec, err := c.Store.TokenByHash(ctx, hash)
	if err != nil {
		return rec, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || !c.live.Load() {
		return rec, nil // a revocation or flush came in between: do not keep what may predate it
	}
	if c.entries == nil {
		c.entries = make(map[[sha256.Size]byte]tokenEntry)
	}
	if _, held := c.entries[key]; !held && len(c.entries) >= c.size() {
		c.evict(now)
	}
	c.entries[key] = tokenEntry{rec: rec, expires: now.Add(c.ttl())}
	return rec, nil
}

// evict makes room for one record: the expired ones go, and when none
// has expired, an arbitrary one (map order), which costs at most one
// more lookup in the store.
func (c *TokenCache) evict(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	if len(c.entries) < c.size() {
		return
	}
	for k := range c.entries {
		delete(c.entries, k)
		return
	}
}

// Revoked forgets the record of token id, at once: the next request with
// it is looked up in the store, which says it is revoked.
func (c *TokenCache) Revoked(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if e.rec.ID == id {
			delete(c.entries, k)
		}
	}
}

// Live tells the cache whether revocations reach it: true once the
// listener is connected and listening, false when it lost the connection.
// Either way the cache empties, since a revocation may have gone unheard
// while it was not listening.
func (c *TokenCache) Live(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
	c.live.Store(live)
}

// Len is how many records the cache holds.
func (c *TokenCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *TokenCache) ttl() time.Duration {
	if c.TTL > 0 {
		return c.TTL
	}
	return DefaultTokenCacheTTL
}

func (c *TokenCache) size() int {
	if c.Size > 0 {
		return c.Size
	}
	return DefaultTokenCacheSize
}

func (c *TokenCache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
