package testnet

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// Name is prefix plus a random suffix ("bt-3f9a1c"), so concurrent runs and
// leftovers of a killed one never collide.
func Name(prefix string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// Cmd runs a command in the caller's namespaces; the error carries its
// output.
func Cmd(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// AddNetns creates the named network namespace (/run/netns/name) with its
// loopback up.
func AddNetns(name string) error {
	if err := Cmd("ip", "netns", "add", name); err != nil {
		return err
	}
	if err := Cmd("ip", "-n", name, "link", "set", "lo", "up"); err != nil {
		return errors.Join(err, DelNetns(name))
	}
	return nil
}

// DelNetns deletes the named network namespace; a missing one is fine.
// The kernel frees its links once no process or socket holds it.
func DelNetns(name string) error {
	if _, err := os.Stat(filepath.Join("/run/netns", name)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return Cmd("ip", "netns", "del", name)
}

// Do runs fn on an OS thread inside the named network namespace. Sockets
// fn opens stay in that namespace after it returns; processes it starts
// (os/exec forks from the locked thread) and /proc/sys/net it writes are
// the namespace's too. The thread is thrown away afterwards rather than
// switched back, so no other goroutine ever runs in the namespace.
func Do(netns string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		// No UnlockOSThread: the runtime ends a thread still locked when
		// its goroutine exits.
		runtime.LockOSThread()
		f, err := os.Open(filepath.Join("/run/netns", netns))
		if err != nil {
			errc <- fmt.Errorf("open netns %s: %w", netns, err)
			return
		}
		err = unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
		f.Close()
		if err != nil {
			errc <- fmt.Errorf("enter netns %s: %w", netns, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}
