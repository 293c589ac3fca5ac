package pki

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

func TestLoadCAIssuesWithoutWriting(t *testing.T) {
	dir := t.TempDir()
	want := ensure(t, dir, Options{})
	before := dirState(t, filepath.Join(dir, "pki"))

	b, err := LoadCA(dir)
	if err != nil {
		t.Fatalf("LoadCA: %v", err)
	}
	if !b.CA.Equal(want.CA) {
		t.Fatalf("LoadCA loaded %s, want the CA Ensure made", b.CA.Subject)
	}
	certPEM, _, err := b.IssueClientCert("system:node:n1", []string{"system:nodes"}, time.Hour)
	if err != nil {
		t.Fatalf("IssueClientCert: %v", err)
	}
	cert, err := ParseCert(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: want.CAPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("issued certificate does not verify against the server's CA: %v", err)
	}
	if after := dirState(t, filepath.Join(dir, "pki")); !slices.Equal(before, after) {
		t.Errorf("LoadCA changed the pki dir:\nbefore %v\nafter  %v", before, after)
	}
}

func TestLoadCAErrors(t *testing.T) {
	t.Run("no pki dir", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := LoadCA(dir); err == nil {
			t.Fatal("LoadCA of an empty dir succeeded")
		}
		if _, err := os.Stat(filepath.Join(dir, "pki")); !os.IsNotExist(err) {
			t.Errorf("LoadCA created the pki dir (stat: %v)", err)
		}
	})
	t.Run("key missing", func(t *testing.T) {
		dir := t.TempDir()
		ensure(t, dir, Options{})
		if err := os.Remove(filepath.Join(dir, "pki", caKeyFile)); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadCA(dir); err == nil {
			t.Fatal("LoadCA without ca.key succeeded")
		}
	})
}

// dirState lists each file's name, size and modification time.
func dirState(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e.Name()+" "+info.ModTime().String()+" "+strconv.FormatInt(info.Size(), 10))
	}
	return out
}

func TestNewCABundle(t *testing.T) {
	want := ensure(t, t.TempDir(), Options{})
	b, err := NewCABundle(want.CAPEM, want.CAKey)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, _, err := b.IssueClientCert("system:node:n1", []string{"system:nodes"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ParseCert(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: want.CAPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("issued certificate does not verify: %v", err)
	}
	if _, err := NewCABundle(want.CAPEM, want.ServiceAccountKey); err == nil {
		t.Error("NewCABundle accepted a key that is not the CA's")
	}
	if _, err := NewCABundle(want.Admin.CertPEM, want.CAKey); err == nil {
		t.Error("NewCABundle accepted a leaf certificate")
	}
}
