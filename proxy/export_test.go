package proxy

// MaxH2Dials is maxH2Dials, for the load benchmark's bare proxy to bound
// its dials as the proxy does.
const MaxH2Dials = maxH2Dials
