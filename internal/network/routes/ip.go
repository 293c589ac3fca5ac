package routes

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
)

// Proto is the route protocol number (rtm_protocol) on every route this
// package makes. 0xb5 (181) is unassigned in the kernel's rtnetlink.h and
// in iproute2's rt_protos, and sits apart from the routing daemons' (bird
// 12, babel 42, bgp 186 and up), so `ip route show proto 0xb5` lists ours
// and nothing else.
const Proto = "0xb5"

// Runner runs the ip(8) command with args and returns its standard output.
// Swapping it moves the routes elsewhere: NetnsIP targets a named network
// namespace, tests use an in-memory table.
type Runner func(ctx context.Context, args ...string) ([]byte, error)

// IP runs the ip binary in the caller's network namespace.
func IP(ctx context.Context, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "ip", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return stdout.Bytes(), nil
}

// NetnsIP runs the ip binary inside the named network namespace
// (/run/netns/name), as `ip -n name ...`.
func NetnsIP(name string) Runner {
	return func(ctx context.Context, args ...string) ([]byte, error) {
		return IP(ctx, append([]string{"-n", name}, args...)...)
	}
}

// ipRoute is the part of an `ip -j route` entry we read.
type ipRoute struct {
	Dst     string `json:"dst"`
	Gateway string `json:"gateway"`
}

// listOwn reads the routes carrying Proto from the main table.
func listOwn(ctx context.Context, run Runner) ([]Route, error) {
	out, err := run(ctx, "-j", "-4", "route", "show", "table", "main", "proto", Proto)
	if err != nil {
		return nil, fmt.Errorf("list pod routes: %w", err)
	}
	return ParseRoutes(out)
}

// ParseRoutes turns `ip -j route show` output into routes. A route
// without a gateway is still returned (with a zero Via), so it is replaced
// or removed rather than ignored.
func ParseRoutes(out []byte) ([]Route, error) {
	var raw []ipRoute
	if len(bytes.TrimSpace(out)) > 0 {
		if err := json.Unmarshal(out, &raw); err != nil {
			return nil, fmt.Errorf("parse ip route output: %w", err)
		}
	}
	routes := make([]Route, 0, len(raw))
	for _, r := range raw {
		dst, err := parseDst(r.Dst)
		if err != nil {
			return nil, err
		}
		var via netip.Addr
		if r.Gateway != "" {
			if via, err = netip.ParseAddr(r.Gateway); err != nil {
				return nil, fmt.Errorf("parse route %s gateway %q: %w", r.Dst, r.Gateway, err)
			}
		}
		routes = append(routes, Route{Dst: dst, Via: via})
	}
	return routes, nil
}

// parseDst reads ip's dst field, which drops the length of a host route
// ("10.0.0.7") and names the default route "default".
func parseDst(s string) (netip.Prefix, error) {
	if s == "default" {
		return netip.MustParsePrefix("0.0.0.0/0"), nil
	}
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("parse route destination %q: %w", s, err)
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("parse route destination %q: %w", s, err)
	}
	return p, nil
}

// connected reads the subnets of the main table's link-scope routes: the
// networks this namespace reaches without a gateway.
func connected(ctx context.Context, run Runner) ([]netip.Prefix, error) {
	out, err := run(ctx, "-j", "-4", "route", "show", "table", "main", "scope", "link")
	if err != nil {
		return nil, fmt.Errorf("list connected subnets: %w", err)
	}
	routes, err := ParseRoutes(out)
	if err != nil {
		return nil, err
	}
	subnets := make([]netip.Prefix, len(routes))
	for i, r := range routes {
		subnets[i] = r.Dst
	}
	return subnets, nil
}

func replaceRoute(ctx context.Context, run Runner, r Route) error {
	if _, err := run(ctx, "route", "replace", r.Dst.String(), "via", r.Via.String(), "proto", Proto); err != nil {
		return fmt.Errorf("route pod CIDR %s of node %s via %s: %w", r.Dst, r.Node, r.Via, err)
	}
	return nil
}

// deleteRoute removes one of our routes; naming Proto makes the kernel
// refuse to delete someone else's route to the same destination.
func deleteRoute(ctx context.Context, run Runner, r Route) error {
	if _, err := run(ctx, "route", "del", r.Dst.String(), "proto", Proto); err != nil {
		return fmt.Errorf("delete pod route %s: %w", r.Dst, err)
	}
	return nil
}

// Cleanup removes every route this package made in the namespace run
// targets (IP when nil): the agent's cleanup calls it when the node leaves.
func Cleanup(run Runner) error {
	if run == nil {
		run = IP
	}
	ctx := context.Background()
	own, err := listOwn(ctx, run)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range own {
		if err := deleteRoute(ctx, run, r); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
