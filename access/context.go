package access

import "context"

type principalKey struct{}

// NewContext returns ctx carrying p, so code below the HTTP layer that
// needs the caller (a backend's object check) can find it.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal of ctx, or Anonymous when there is
// none: code that forgets to pass one gets the least access.
func FromContext(ctx context.Context) Principal {
	if p, ok := ctx.Value(principalKey{}).(Principal); ok {
		return p
	}
	return Anonymous
}
