package probe

import (
	"context"
	"fmt"
	"strconv"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Kubernetes' probe defaults, for specs that were not defaulted.
const (
	defaultPeriod           = 10 * time.Second
	defaultTimeout          = 1 * time.Second
	defaultSuccessThreshold = 1
	defaultFailureThreshold = 3
)

func period(p *v1.Probe) time.Duration {
	if p.PeriodSeconds > 0 {
		return time.Duration(p.PeriodSeconds) * time.Second
	}
	return defaultPeriod
}

func timeout(p *v1.Probe) time.Duration {
	if p.TimeoutSeconds > 0 {
		return time.Duration(p.TimeoutSeconds) * time.Second
	}
	return defaultTimeout
}

func successThreshold(p *v1.Probe) int {
	if p.SuccessThreshold > 0 {
		return int(p.SuccessThreshold)
	}
	return defaultSuccessThreshold
}

func failureThreshold(p *v1.Probe) int {
	if p.FailureThreshold > 0 {
		return int(p.FailureThreshold)
	}
	return defaultFailureThreshold
}

// target is what one probe run needs to know about its container.
type target struct {
	container   *v1.Container
	containerID string // runtime ID, without the "<runtime>://" prefix
	podIP       string
}

// run executes the probe's handler once. An error means the probe could not
// run at all (bad port, runtime error) and yields no result.
func run(ctx context.Context, rt runtimeapi.RuntimeServiceClient, p *v1.Probe, t target) (Result, string, error) {
	to := timeout(p)
	switch {
	case p.Exec != nil:
		return Exec(ctx, rt, t.containerID, p.Exec.Command, to)
	case p.HTTPGet != nil:
		port, err := resolvePort(p.HTTPGet.Port, t.container)
		if err != nil {
			return Unknown, "", err
		}
		host := p.HTTPGet.Host
		if host == "" {
			host = t.podIP
		}
		r, out := HTTP(ctx, HTTPURL(p.HTTPGet.Scheme, host, port, p.HTTPGet.Path), p.HTTPGet.HTTPHeaders, to)
		return r, out, nil
	case p.TCPSocket != nil:
		port, err := resolvePort(p.TCPSocket.Port, t.container)
		if err != nil {
			return Unknown, "", err
		}
		host := p.TCPSocket.Host
		if host == "" {
			host = t.podIP
		}
		r, out := TCP(ctx, host, port, to)
		return r, out, nil
	case p.GRPC != nil:
		service := ""
		if p.GRPC.Service != nil {
			service = *p.GRPC.Service
		}
		r, out := GRPC(ctx, t.podIP, int(p.GRPC.Port), service, to)
		return r, out, nil
	}
	return Unknown, "", fmt.Errorf("missing probe handler for %s", t.container.Name)
}

// resolvePort turns a number or a container port's name into a port.
func resolvePort(port intstr.IntOrString, c *v1.Container) (int, error) {
	n := port.IntValue()
	if port.Type == intstr.String {
		for _, p := range c.Ports {
			if p.Name == port.StrVal {
				n = int(p.ContainerPort)
				break
			}
		}
		if n == 0 {
			var err error
			if n, err = strconv.Atoi(port.StrVal); err != nil {
				return 0, err
			}
		}
	}
	if n <= 0 || n > 65535 {
		return 0, fmt.Errorf("invalid port number: %v", n)
	}
	return n, nil
}
