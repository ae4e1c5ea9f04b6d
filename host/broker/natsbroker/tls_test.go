package natsbroker_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/broker/natsbroker"
	"github.com/chatwasm/chatwasm/internal/natstest"
)

// pki is a test CA and the files of certificates it signed.
type pki struct {
	dir  string
	ca   *x509.Certificate
	key  *ecdsa.PrivateKey
	File string // the CA certificate, PEM
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{dir: t.TempDir()}
	p.ca, p.key, p.File = p.issue(t, "ca", &x509.Certificate{
		Subject: pkix.Name{CommonName: "chatwasm test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	})
	return p
}

// issue signs tmpl (self-signed while there is no CA yet) and writes
// name.pem and name-key.pem; it returns the certificate file.
func (p *pki) issue(t *testing.T, name string, tmpl *x509.Certificate) (*x509.Certificate, *ecdsa.PrivateKey, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	parent, signer := tmpl, key
	if p.ca != nil {
		parent, signer = p.ca, p.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(p.dir, name+".pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.dir, name+"-key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key, file
}

func (p *pki) keyFile(name string) string { return filepath.Join(p.dir, name+"-key.pem") }

// TestTLS: a server that requires TLS with client certificates accepts a
// broker with the CA file and a client certificate, which then delivers, and
// refuses one without the client certificate.
func TestTLS(t *testing.T) {
	p := newPKI(t)
	_, _, serverCert := p.issue(t, "server", &x509.Certificate{
		Subject: pkix.Name{CommonName: "127.0.0.1"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	_, _, clientCert := p.issue(t, "client", &x509.Certificate{
		Subject:  pkix.Name{CommonName: "chatwasm node"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	srv := natstest.Start(t, "--tlsverify", "--tlscert", serverCert, "--tlskey", p.keyFile("server"), "--tlscacert", p.File)
	url := "tls://" + srv.Addr()

	got := make(chan broker.Envelope, 1)
	ctx := context.Background()
	b, err := natsbroker.New(ctx, natsbroker.Config{URL: url, CAFile: p.File, CertFile: clientCert, KeyFile: p.keyFile("client"),
		Handler: func(e broker.Envelope) { got <- e }})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.Watch("group-tls")
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, broker.Envelope{Kind: broker.KindSend, Group: "group-tls", Frame: []byte(`"over TLS"`)}); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-got:
		if string(e.Frame) != `"over TLS"` {
			t.Fatalf("received %s", e.Frame)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("nothing delivered over TLS")
	}

	if _, err := natsbroker.New(ctx, natsbroker.Config{URL: url, CAFile: p.File, Handler: func(broker.Envelope) {}}); err == nil {
		t.Fatal("connected without a client certificate")
	}
}
