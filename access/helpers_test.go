package access_test

import (
	"errors"

	"github.com/envtrace/envtrace/access"
)

func asAuthError(err error, target **access.AuthError) bool { return errors.As(err, target) }
