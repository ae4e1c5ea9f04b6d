//go:build !wasip1

package chatwasm

// Outside wasm there is no host: the package compiles (for go vet, and for
// tests of a module's pure logic) and every import fails with ErrNoHost.

func readInput() []byte { return nil }

func writeOutput([]byte) {}

func writeError([]byte) {}

func callImport(string, []byte) ([]byte, error) { return nil, refused(ErrNoHost) }

func configGet(string) (string, bool) { return "", false }

func httpSend(HTTPRequest) (HTTPResponse, error) { return HTTPResponse{}, refused(ErrNoHost) }
