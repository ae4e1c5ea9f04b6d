package chatwasm

// HTTPRequest is an HTTP request a module sends through the host. Only the
// deployment's allowed_hosts can be reached; the call's deadline bounds it.
type HTTPRequest struct {
	Method string // GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS
	URL    string
	Header map[string]string
	Body   []byte
}

// HTTPResponse is the host's answer to an HTTPRequest.
type HTTPResponse struct {
	Status int
	// Header has lower-case names; repeated headers are joined by commas.
	Header map[string]string
	Body   []byte
}

// HTTP sends r. A request the host refused (a host not allowed) or that
// failed (connection refused, timeout, a response too big) is an error
// saying why; any HTTP status, 500 included, is a response.
func HTTP(r HTTPRequest) (HTTPResponse, error) { return httpSend(r) }
