package redact

// Error wraps err so that its message goes through String. errors.Is and
// errors.As see the wrapped chain unchanged. Error(nil) is nil.
func Error(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{err: err}
}

// redactedError is an error whose message is redacted when read.
type redactedError struct{ err error }

// Error redacts at call time, so secrets registered after wrapping are
// removed as well.
func (e *redactedError) Error() string { return String(e.err.Error()) }

// Unwrap returns the original error for errors.Is and errors.As.
func (e *redactedError) Unwrap() error { return e.err }
