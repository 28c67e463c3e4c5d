// Package residency trims the memory a long-running byok process keeps
// resident.
//
// A byok binary is large (the provider SDKs, the markdown renderer and
// SQLite are all linked in) and the package initialisers of those
// libraries touch code and read-only data scattered over much of it before
// main runs. The kernel maps each touched page with its neighbours, so a
// process that has only started already holds tens of megabytes of the
// executable that it will never read again. [ReleaseStartup] gives those
// pages back: they stay in the page cache, and whatever the program still
// needs is faulted back in on first use.
package residency

// Released says what [ReleaseStartup] gave back.
type Released struct {
	Mappings int   // read-only mappings of the executable released
	Bytes    int64 // their total size (not all of it was resident)
}
