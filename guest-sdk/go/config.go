package chatwasm

// Config returns the value of key in the module's config (the deployment
// entry's config map) and whether it is set.
func Config(key string) (string, bool) { return configGet(key) }
